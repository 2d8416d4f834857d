using System.CommandLine;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Plugins;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden config check</c>: the agent's whole config check (every error with file:line:column; exit 0 or 2) without
/// starting anything. <c>innerwarden config docs --format markdown|yaml [--write FILE]</c> (hidden, for maintainers): the
/// plugin-settings docs generated from the installed plugins' declarations (see <see cref="PluginSettingsDocs"/>).
/// </summary>
internal static class ConfigCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        return new Command("config", "Check the config file against the installed plugins")
        {
            Check(globals),
            Docs(globals),
        };
    }

    private static Command Check(GlobalOptions globals)
    {
        var command = new Command("check", "Check the config file as the agent does at start (exit 0 when it would start, 2 with every error)");
        command.SetAction(parseResult =>
        {
            var location = globals.Locate(parseResult);
            var config = MeshConfigValidator.LoadValidated(location, PluginCatalogCache.Shared, new CliLogger(CliOutput.Error(parseResult)));
            var plugins = config.Plugins;
            CliOutput.Out(parseResult).WriteLine(
                $"{location.ConfigPath}: ok{(File.Exists(location.ConfigPath) ? "" : " (absent: every default)")}; mesh {(config.Enabled ? "enabled" : "disabled")}; "
                + $"transport {plugins.Transport}, trust {plugins.Trust}, staging {plugins.Staging}, enforcer {plugins.Enforcer}, "
                + $"detectors: {(plugins.Detectors.Count == 0 ? "none" : string.Join(", ", plugins.Detectors))}");
            return CliOutput.Success;
        });
        return command;
    }

    private static Command Docs(GlobalOptions globals)
    {
        var format = new Option<PluginSettingsDocs.Format>("--format") { Description = "markdown (the README table) or yaml (the commented mesh.yaml part)", Required = true };
        var write = new Option<string?>("--write") { Description = "Replace the generated block between the markers in this file instead of printing it" };
        var command = new Command("docs", "Print the plugin-settings docs generated from the installed plugins' declarations") { format, write };
        command.Hidden = true;
        command.SetAction(parseResult =>
        {
            // Only the plugin directory is read from the config; the docs describe every installed plugin.
            var location = globals.Locate(parseResult);
            var directory = MeshConfigLoader.Read(location).Config.ResolvePluginDirectory();
            var catalog = PluginCatalogCache.Shared.GetOrLoad(directory, new CliLogger(CliOutput.Error(parseResult)));
            var chosen = parseResult.GetValue(format);
            var block = PluginSettingsDocs.Generate(chosen, catalog.ConstructAll());
            if (parseResult.GetValue(write) is not { } file)
            {
                CliOutput.Out(parseResult).Write(block);
                return CliOutput.Success;
            }
            string text;
            try
            {
                text = PluginSettingsDocs.Replace(File.ReadAllText(file), chosen, block);
            }
            catch (InvalidOperationException e)
            {
                return CliOutput.Fail(parseResult, CliOutput.UsageError, $"{file}: {e.Message}");
            }
            File.WriteAllText(file, text);
            CliOutput.Out(parseResult).WriteLine($"{file}: plugin-settings block regenerated from {catalog.Discovered.Count} plugins in {directory}");
            return CliOutput.Success;
        });
        return command;
    }
}

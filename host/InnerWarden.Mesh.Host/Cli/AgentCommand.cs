using System.CommandLine;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Ownership;
using InnerWarden.Mesh.Host.Plugins;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden agent</c>: run the node in the foreground until SIGINT/SIGTERM.</summary>
internal static class AgentCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("agent", "Run the mesh node in the foreground until SIGINT/SIGTERM");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var location = globals.Locate(parseResult);
            // The whole check, plugins included, before anything starts: a mistake ends here with every error and exit 2,
            // never inside the running host. The catalog stays cached for the node's composition.
            var config = MeshConfigValidator.LoadValidated(location, PluginCatalogCache.Shared, new CliLogger(CliOutput.Error(parseResult)));
            if (config.Enabled)
            {
                // Files the service user cannot use are one error with the chown that fixes them, exit 2 (MeshCli).
                ServiceFileCheck.Check(location.DataDirectoryFor(config));
            }
            return await AgentHost.RunAsync(config, location, CliOutput.Out(parseResult), CliOutput.Error(parseResult), cancellationToken);
        });
        return command;
    }
}

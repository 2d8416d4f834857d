using System.CommandLine;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh enable</c> and <c>disable</c>: set <c>enabled</c> in the config file.</summary>
internal static class EnableCommand
{
    public static Command Create(GlobalOptions globals, bool enable)
    {
        var command = new Command(enable ? "enable" : "disable",
            enable ? "Enable the mesh in the config file (creates it if absent)" : "Disable the mesh in the config file");
        command.SetAction(parseResult =>
        {
            var path = globals.Locate(parseResult).ConfigPath;
            var word = enable ? "enabled" : "disabled";
            var output = CliOutput.Out(parseResult);
            if (!MeshConfigWriter.SetEnabled(path, enable))
            {
                output.WriteLine($"mesh is already {word} in {path}; nothing changed");
                return CliOutput.Success;
            }
            output.WriteLine($"mesh {word} in {path} (enabled: {(enable ? "false -> true" : "true -> false")})");
            output.WriteLine(RestartHint.Text);
            return CliOutput.Success;
        });
        return command;
    }
}

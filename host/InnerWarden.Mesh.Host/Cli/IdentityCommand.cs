using System.CommandLine;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh identity [--json]</c>.</summary>
internal static class IdentityCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var json = GlobalOptions.Json();
        var command = new Command("identity", "Show this node's id (public key)") { json };
        command.SetAction(parseResult =>
        {
            var location = globals.Locate(parseResult);
            var dataDir = location.DataDirectoryFor(MeshConfigLoader.Read(location).OrThrow());
            return IdentityCommandHandler.Run(dataDir, parseResult.GetValue(json), CliOutput.Out(parseResult), CliOutput.Error(parseResult));
        });
        return command;
    }
}

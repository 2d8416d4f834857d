using System.CommandLine;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Config;

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
            var config = MeshConfigLoader.Load(location.ConfigPath);
            return await AgentHost.RunAsync(config, location, CliOutput.Out(parseResult), cancellationToken);
        });
        return command;
    }
}

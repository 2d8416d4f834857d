using System.CommandLine;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>The shape shared by the commands that print the node's persisted state (<c>status</c>, <c>peers</c>, <c>blocks</c>).</summary>
internal static class StateCommand
{
    /// <summary>The handler signature of a state command: data dir, settings, json, stdout, stderr, clock -> exit code.</summary>
    internal delegate int Handler(string dataDirectory, NodeSettings settings, bool json, TextWriter stdout, TextWriter stderr, TimeProvider time);

    public static Command Create(GlobalOptions globals, string name, string description, Handler handler)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var json = GlobalOptions.Json();
        var command = new Command(name, description) { json };
        command.SetAction(parseResult =>
        {
            var location = globals.Locate(parseResult);
            // Top-level keys only: these commands read the state database, and checking plugin settings would load every
            // plugin assembly (the agent, `config check` and the commands that edit the file do the whole check).
            var config = MeshConfigLoader.Read(location).OrThrow();
            var dataDir = location.DataDirectoryFor(config);
            return handler(dataDir, config.ToNodeSettings(dataDir), parseResult.GetValue(json),
                CliOutput.Out(parseResult), CliOutput.Error(parseResult), TimeProvider.System);
        });
        return command;
    }
}

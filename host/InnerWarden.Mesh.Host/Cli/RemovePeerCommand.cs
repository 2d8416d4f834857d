using System.CommandLine;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh remove-peer URL|NODE_ID|LABEL</c>.</summary>
internal static class RemovePeerCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var peer = new Argument<string>("PEER") { Description = "The peer's endpoint URL, its node id (64 hex characters) or its label" };
        var command = new Command("remove-peer", "Remove a peer from the config file") { peer };
        command.SetAction(parseResult =>
        {
            var target = parseResult.GetValue(peer) ?? "";
            if (string.IsNullOrWhiteSpace(target))
            {
                return CliOutput.Fail(parseResult, CliOutput.UsageError, "PEER: expected an http(s) URL, a node id of 64 hex characters or a label, got ''");
            }
            var path = globals.Locate(parseResult).ConfigPath;
            var removed = MeshConfigWriter.RemovePeer(path, target);
            if (removed.Count == 0)
            {
                return CliOutput.Fail(parseResult, CliOutput.Failure, $"no peer {target} in {path}; see: innerwarden mesh peers");
            }
            var output = CliOutput.Out(parseResult);
            foreach (var p in removed)
            {
                output.WriteLine($"removed peer {p.Endpoint.OriginalString}{(p.Label is null ? "" : $" ({p.Label})")} from {path}");
            }
            output.WriteLine(RestartHint.Text);
            return CliOutput.Success;
        });
        return command;
    }
}

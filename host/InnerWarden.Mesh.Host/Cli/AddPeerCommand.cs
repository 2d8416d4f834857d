using System.CommandLine;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh add-peer URL [--label L] [--public-key HEX]</c>.</summary>
internal static class AddPeerCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var url = new Argument<string>("URL") { Description = "The peer's mesh endpoint, e.g. https://other-server:8790" };
        var label = new Option<string?>("--label") { Description = "Your name for the peer" };
        var publicKey = new Option<string?>("--public-key") { Description = "The peer's node id (64 hex characters), to vouch for it" };
        var command = new Command("add-peer", "Add a peer to the config file") { url, label, publicKey };
        command.SetAction(parseResult =>
        {
            var text = parseResult.GetValue(url) ?? "";
            if (!ConfigValues.TryParseEndpoint(text, out var endpoint, out var problem))
            {
                return CliOutput.Fail(parseResult, CliOutput.UsageError, $"URL: {problem}");
            }
            string? key = null;
            if (parseResult.GetValue(publicKey) is { } keyText)
            {
                if (!ConfigValues.TryParsePublicKey(keyText, out var parsed, out var keyProblem))
                {
                    return CliOutput.Fail(parseResult, CliOutput.UsageError, $"--public-key: {keyProblem}");
                }
                key = parsed;
            }
            var labelText = parseResult.GetValue(label) is { Length: > 0 } l ? l : null;
            var path = globals.Locate(parseResult).ConfigPath;
            var existing = MeshConfigWriter.AddPeer(path, new PeerInfo(endpoint, key, labelText));
            if (existing is not null)
            {
                return CliOutput.Fail(parseResult, CliOutput.Failure,
                    $"peer {existing.Endpoint.OriginalString} is already in {path}{(existing.Label is null ? "" : $" (label '{existing.Label}')")}; "
                    + $"to change it, run: innerwarden mesh remove-peer {existing.Endpoint.OriginalString}, then add it again");
            }
            var output = CliOutput.Out(parseResult);
            output.WriteLine($"added peer {endpoint.OriginalString}{(labelText is null ? "" : $" ({labelText})")}"
                + $"{(key is null ? ", public key to be learned on first contact" : $", public key {key}")} to {path}");
            output.WriteLine(RestartHint.Text);
            return CliOutput.Success;
        });
        return command;
    }
}

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
            if (!ConfigValues.TryParseEndpoint(text, out var endpoint, out var problem) || !IsBaseUrlWithPort(text, endpoint, out problem))
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
            var location = globals.Locate(parseResult);
            var path = location.ConfigPath;
            if (key is not null && OwnNodeId(location) is { } own && own == key)
            {
                return CliOutput.Fail(parseResult, CliOutput.UsageError,
                    $"--public-key: {key} is this node's own key (mesh-identity.key in {location.DataDirectoryFor(ConfigOrDefault(location))}); give the other server's, which `innerwarden mesh status` there shows");
            }
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

    // A peer endpoint is a node's base URL: the transport adds /mesh/signal itself, and a missing port would mean 80 or
    // 443 where nodes listen on 8790, so neither is guessed.
    private static bool IsBaseUrlWithPort(string text, Uri endpoint, out string problem)
    {
        if (endpoint.AbsolutePath != "/" || endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0)
        {
            problem = $"'{text}' has a path, query or fragment ('{endpoint.PathAndQuery}{endpoint.Fragment}'); give the node's base URL, e.g. {endpoint.Scheme}://{endpoint.Authority}{(HasExplicitPort(text) ? "" : ":8790")} (the mesh adds /mesh/signal itself)";
            return false;
        }
        if (!HasExplicitPort(text))
        {
            problem = $"'{text}' has no port; give it explicitly, e.g. {endpoint.Scheme}://{endpoint.Host}:8790 (8790 is the mesh's default bind port; without one {endpoint.Scheme} would mean port {endpoint.Port})";
            return false;
        }
        problem = "";
        return true;
    }

    // Uri drops a port equal to the scheme's default (https://x:443 has IsDefaultPort), so the text is asked.
    private static bool HasExplicitPort(string text)
    {
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var authority = rest.Split('/', '?', '#')[0];
        var afterHost = authority.StartsWith('[') ? authority[(authority.IndexOf(']', StringComparison.Ordinal) + 1)..] : authority;
        var colon = afterHost.LastIndexOf(':');
        return colon >= 0 && colon < afterHost.Length - 1 && afterHost[(colon + 1)..].All(char.IsAsciiDigit);
    }

    private static string? OwnNodeId(ConfigLocation location) => CliStateReader.ReadNodeId(location.DataDirectoryFor(ConfigOrDefault(location)));

    // Top-level keys only, as the state commands read them; the whole file is checked when it is edited.
    private static MeshConfig ConfigOrDefault(ConfigLocation location) =>
        File.Exists(location.ConfigPath) ? MeshConfigLoader.Read(location).OrThrow() : MeshConfig.Default;
}

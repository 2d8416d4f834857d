using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Ownership;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.Logging.Abstractions;
using YamlDotNet.RepresentationModel;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// Edits <c>mesh.yaml</c> for the CLI: changes one thing in the node tree and writes the rest back as it
/// was (YamlDotNet's model does not keep comments; every other key and value survives). The file is
/// validated before and after the edit as the agent validates it (against the installed plugins, so the CLI never
/// writes a file the agent would refuse), and replaced atomically, so a failure leaves it untouched.
/// </summary>
internal static class MeshConfigWriter
{
    /// <summary>Sets <c>enabled</c>, creating the file if needed; false when it already had that value (nothing is written then).</summary>
    public static bool SetEnabled(string path, bool enabled, PluginCatalogCache? catalogs = null)
    {
        catalogs ??= PluginCatalogCache.Shared;
        var (root, config) = Read(path, catalogs);
        if (config.Enabled == enabled)
        {
            return false;
        }
        root.Children[new YamlScalarNode("enabled")] = new YamlScalarNode(enabled ? "true" : "false");
        Write(path, root, catalogs);
        return true;
    }

    /// <summary>
    /// Selects <paramref name="detectors"/> when the file selects none (<c>plugins.detectors</c> absent or empty); an
    /// operator's own choice, even of other detectors, is left alone. Returns whether the file changed.
    /// </summary>
    public static bool SelectDetectorsIfNone(string path, IReadOnlyList<string> detectors, PluginCatalogCache? catalogs = null)
    {
        ArgumentNullException.ThrowIfNull(detectors);
        catalogs ??= PluginCatalogCache.Shared;
        var (root, config) = Read(path, catalogs);
        if (detectors.Count == 0 || config.Plugins.Detectors.Count > 0)
        {
            return false;
        }
        var key = new YamlScalarNode("plugins");
        if (!root.Children.TryGetValue(key, out var node) || node is not YamlMappingNode plugins)
        {
            plugins = new YamlMappingNode();
            root.Children[key] = plugins;
        }
        plugins.Children[new YamlScalarNode("detectors")] = new YamlSequenceNode(detectors.Select(d => new YamlScalarNode(d)));
        Write(path, root, catalogs);
        return true;
    }

    /// <summary>Appends a peer; returns the already-listed peer with the same endpoint instead of adding a duplicate.</summary>
    public static PeerInfo? AddPeer(string path, PeerInfo peer, PluginCatalogCache? catalogs = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        catalogs ??= PluginCatalogCache.Shared;
        var (root, config) = Read(path, catalogs);
        var key = MeshConfigLoader.EndpointKey(peer.Endpoint);
        var existing = config.Peers.FirstOrDefault(p => MeshConfigLoader.EndpointKey(p.Endpoint) == key);
        if (existing is not null)
        {
            return existing;
        }
        var entry = new YamlMappingNode { { "endpoint", peer.Endpoint.OriginalString } };
        if (peer.PublicKey is not null)
        {
            entry.Add("public_key", peer.PublicKey);
        }
        if (peer.Label is not null)
        {
            entry.Add("label", peer.Label);
        }
        PeersNode(root).Add(entry);
        Write(path, root, catalogs);
        return null;
    }

    /// <summary>Removes the peers whose endpoint, public key or label is <paramref name="target"/>; returns what was removed.</summary>
    public static IReadOnlyList<PeerInfo> RemovePeer(string path, string target, PluginCatalogCache? catalogs = null)
    {
        catalogs ??= PluginCatalogCache.Shared;
        var (root, config) = Read(path, catalogs);
        var byEndpoint = ConfigValues.TryParseEndpoint(target, out var uri, out _) ? MeshConfigLoader.EndpointKey(uri) : null;
        var removed = new List<int>();
        for (var i = 0; i < config.Peers.Count; i++)
        {
            var peer = config.Peers[i];
            if ((byEndpoint is not null && MeshConfigLoader.EndpointKey(peer.Endpoint) == byEndpoint)
                || string.Equals(peer.PublicKey, target, StringComparison.OrdinalIgnoreCase)
                || string.Equals(peer.Label, target, StringComparison.Ordinal))
            {
                removed.Add(i);
            }
        }
        if (removed.Count == 0)
        {
            return [];
        }
        // The loader maps peers in sequence order (null items are not allowed), so indexes line up.
        var sequence = PeersNode(root);
        for (var i = removed.Count - 1; i >= 0; i--)
        {
            sequence.Children.RemoveAt(removed[i]);
        }
        Write(path, root, catalogs);
        return removed.Select(i => config.Peers[i]).ToList();
    }

    private static (YamlMappingNode Root, MeshConfig Config) Read(string path, PluginCatalogCache catalogs)
    {
        if (!File.Exists(path))
        {
            return (new YamlMappingNode(), MeshConfig.Default);
        }
        // Validate the whole file first: editing a broken config would only hide the problem.
        var config = MeshConfigValidator.Validate(MeshConfigLoader.Read(path), catalogs, NullLogger.Instance);
        var root = MeshConfigLoader.ReadRoot(File.ReadAllText(path), path) ?? new YamlMappingNode();
        return (root, config);
    }

    private static YamlSequenceNode PeersNode(YamlMappingNode root)
    {
        var key = new YamlScalarNode("peers");
        if (root.Children.TryGetValue(key, out var node) && node is YamlSequenceNode sequence)
        {
            return sequence;
        }
        // Absent or null (`peers:`): the loader accepted it, so replacing it with a list loses nothing.
        sequence = new YamlSequenceNode();
        root.Children[key] = sequence;
        return sequence;
    }

    private static void Write(string path, YamlMappingNode root, PluginCatalogCache catalogs)
    {
        using var text = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
        var yaml = StripDocumentEnd(text.ToString());
        // Never write what the agent would refuse.
        MeshConfigValidator.Validate(MeshConfigLoader.ReadText(yaml, path), catalogs, NullLogger.Instance);
        AtomicFile.WriteAllText(path, yaml, () => ServiceAccount.NewConfigFile(path));
    }

    private static string StripDocumentEnd(string yaml)
    {
        var trimmed = yaml.TrimEnd();
        return (trimmed.EndsWith("\n...", StringComparison.Ordinal) ? trimmed[..^4] : trimmed) + "\n";
    }
}

using System.Globalization;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Metrics;
using Microsoft.Extensions.Logging;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// Reads <c>mesh.yaml</c>. It walks YamlDotNet's representation model by hand rather than deserializing,
/// so every error can name the file, line, column and key path of the bad node.
/// </summary>
internal static class MeshConfigLoader
{
    internal static readonly string[] TopLevelKeys =
    [
        "enabled", "bind", "poll_secs", "auto_broadcast", "max_signals_per_hour", "max_staged",
        "initial_trust", "peers", "allowlist", "plugins", "plugin_settings", "data_dir", "metrics", "log_level",
    ];

    // The log_level values, by their names in mesh.yaml.
    private static readonly Dictionary<string, LogLevel> LogLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["trace"] = LogLevel.Trace,
        ["debug"] = LogLevel.Debug,
        ["information"] = LogLevel.Information,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
        ["critical"] = LogLevel.Critical,
    };

    private static readonly string[] MetricsKeys = ["enabled", "bind"];

    private static readonly string[] PeerKeys = ["endpoint", "public_key", "label"];

    private static readonly string[] PluginKeys = ["directory", "transport", "trust", "staging", "enforcer", "detectors"];

    /// <summary>Loads the file; a file that does not exist means every default.</summary>
    public static MeshConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            return MeshConfig.Default;
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, 0, 0, "", $"cannot read the config file: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses config text; <paramref name="source"/> names it in errors.</summary>
    public static MeshConfig Parse(string yaml, string source)
    {
        var root = ReadRoot(yaml, source);
        return root is null ? MeshConfig.Default : Map(root, new Walker(source));
    }

    /// <summary>The document's root mapping, or null for an empty document. Also used by the writer.</summary>
    internal static YamlMappingNode? ReadRoot(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConfigException(source, e.Start.Line, e.Start.Column, "", $"not valid YAML: {Inner(e).Message}", e);
        }
        if (stream.Documents.Count == 0)
        {
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new ConfigException(source, second.Start.Line, second.Start.Column, "", "expected one YAML document, found several");
        }
        var rootNode = stream.Documents[0].RootNode;
        if (Walker.IsNull(rootNode))
        {
            return null;
        }
        return rootNode as YamlMappingNode
            ?? throw new ConfigException(source, rootNode.Start.Line, rootNode.Start.Column, "", $"expected a mapping of keys at the top level, got {Walker.Describe(rootNode)}");
    }

    private static YamlException Inner(YamlException e) => e.InnerException is YamlException inner ? inner : e;

    private static MeshConfig Map(YamlMappingNode root, Walker w)
    {
        var config = MeshConfig.Default;
        foreach (var (key, value) in w.Entries(root, "", TopLevelKeys))
        {
            if (Walker.IsNull(value))
            {
                continue;
            }
            config = key switch
            {
                "enabled" => config with { Enabled = w.Bool(value, key) },
                "bind" => config with { Bind = w.Check(value, key, w.String(value, key), ConfigValues.IsBindAddress) },
                "poll_secs" => config with { PollSecs = w.Int(value, key, 1, 86_400) },
                "auto_broadcast" => config with { AutoBroadcast = w.Bool(value, key) },
                "max_signals_per_hour" => config with { MaxSignalsPerHour = w.Int(value, key, 1, 1_000_000) },
                "max_staged" => config with { MaxStaged = w.Int(value, key, 1, 10_000_000) },
                "initial_trust" => config with { InitialTrust = w.Double(value, key, 0, 1) },
                "peers" => config with { Peers = MapPeers(value, w) },
                "allowlist" => config with { Allowlist = MapAllowlist(value, w) },
                "plugins" => MapPlugins(value, w, config),
                "plugin_settings" => config with { PluginSettings = MapPluginSettings(value, w) },
                "data_dir" => config with { DataDirectory = w.NonEmpty(value, key) },
                "metrics" => config with { Metrics = MapMetrics(value, w) },
                "log_level" => config with { LogLevel = MapLogLevel(value, w) },
                _ => throw new InvalidOperationException("unreachable: key list and switch disagree"),
            };
        }
        return config;
    }

    private static LogLevel MapLogLevel(YamlNode node, Walker w)
    {
        var name = w.String(node, "log_level");
        return LogLevels.TryGetValue(name, out var level)
            ? level
            : throw w.Error(node, "log_level", $"expected one of: {string.Join(", ", LogLevels.Keys)}, got '{name}'");
    }

    private static List<PeerInfo> MapPeers(YamlNode node, Walker w)
    {
        var peers = new List<PeerInfo>();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var items = w.Sequence(node, "peers");
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"peers[{i}]";
            var item = items[i];
            if (item is not YamlMappingNode map)
            {
                throw w.Error(item, path, $"expected a mapping with endpoint, public_key, label; got {Walker.Describe(item)}");
            }
            Uri? endpoint = null;
            string? publicKey = null;
            string? label = null;
            foreach (var (key, value) in w.Entries(map, path, PeerKeys))
            {
                var keyPath = $"{path}.{key}";
                if (Walker.IsNull(value))
                {
                    continue;
                }
                var text = w.String(value, keyPath);
                switch (key)
                {
                    case "endpoint":
                        if (!ConfigValues.TryParseEndpoint(text, out var uri, out var problem))
                        {
                            throw w.Error(value, keyPath, problem);
                        }
                        var normalized = EndpointKey(uri);
                        if (seen.TryGetValue(normalized, out var first))
                        {
                            throw w.Error(value, keyPath, $"duplicate endpoint '{text}' (already listed as peers[{first}])");
                        }
                        seen[normalized] = i;
                        endpoint = uri;
                        break;
                    case "public_key":
                        if (!ConfigValues.TryParsePublicKey(text, out var hex, out var keyProblem))
                        {
                            throw w.Error(value, keyPath, keyProblem);
                        }
                        publicKey = hex;
                        break;
                    default:
                        label = text;
                        break;
                }
            }
            if (endpoint is null)
            {
                throw w.Error(item, $"{path}.endpoint", "missing; every peer needs an endpoint URL");
            }
            peers.Add(new PeerInfo(endpoint, publicKey, label));
        }
        return peers;
    }

    /// <summary>The form two endpoints are compared in for duplicates (scheme, host and port, path without trailing slash).</summary>
    internal static string EndpointKey(Uri endpoint) =>
        endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/').ToLowerInvariant();

    private static List<string> MapAllowlist(YamlNode node, Walker w)
    {
        var list = new List<string>();
        var items = w.Sequence(node, "allowlist");
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"allowlist[{i}]";
            list.Add(w.Check(items[i], path, w.String(items[i], path), ConfigValues.IsAddressOrCidr));
        }
        return list;
    }

    private static MeshConfig MapPlugins(YamlNode node, Walker w, MeshConfig config)
    {
        var map = w.Mapping(node, "plugins");
        var selection = config.Plugins;
        var directory = config.PluginDirectory;
        foreach (var (key, value) in w.Entries(map, "plugins", PluginKeys))
        {
            var path = $"plugins.{key}";
            if (Walker.IsNull(value))
            {
                continue;
            }
            switch (key)
            {
                case "directory":
                    directory = w.NonEmpty(value, path);
                    break;
                case "transport":
                    selection = selection with { Transport = w.NonEmpty(value, path) };
                    break;
                case "trust":
                    selection = selection with { Trust = w.NonEmpty(value, path) };
                    break;
                case "staging":
                    selection = selection with { Staging = w.NonEmpty(value, path) };
                    break;
                case "enforcer":
                    selection = selection with { Enforcer = w.NonEmpty(value, path) };
                    break;
                default:
                    var detectors = new List<string>();
                    var items = w.Sequence(value, path);
                    for (var i = 0; i < items.Count; i++)
                    {
                        var name = w.NonEmpty(items[i], $"{path}[{i}]");
                        if (detectors.Contains(name, StringComparer.Ordinal))
                        {
                            throw w.Error(items[i], $"{path}[{i}]", $"detector '{name}' is listed twice");
                        }
                        detectors.Add(name);
                    }
                    selection = selection with { Detectors = detectors };
                    break;
            }
        }
        return config with { Plugins = selection, PluginDirectory = directory };
    }

    private static MetricsOptions MapMetrics(YamlNode node, Walker w)
    {
        var options = new MetricsOptions();
        foreach (var (key, value) in w.Entries(w.Mapping(node, "metrics"), "metrics", MetricsKeys))
        {
            if (Walker.IsNull(value))
            {
                continue;
            }
            var path = $"metrics.{key}";
            options = key switch
            {
                "enabled" => options with { Enabled = w.Bool(value, path) },
                _ => options with { Bind = w.String(value, path) },
            };
            if (key == "bind" && !options.TryGetEndpoint(out _, out var error))
            {
                // The error already starts with "metrics.bind: "; the walker adds the position.
                throw w.Error(value, path, error["metrics.bind: ".Length..]);
            }
        }
        return options;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, string>> MapPluginSettings(YamlNode node, Walker w)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (plugin, value) in w.Entries(w.Mapping(node, "plugin_settings"), "plugin_settings", null))
        {
            var path = $"plugin_settings.{plugin}";
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!Walker.IsNull(value))
            {
                foreach (var (key, setting) in w.Entries(w.Mapping(value, path), path, null))
                {
                    settings[key] = Walker.IsNull(setting) ? "" : w.String(setting, $"{path}.{key}");
                }
            }
            result[plugin] = settings;
        }
        return result;
    }

    /// <summary>Turns nodes into values, throwing <see cref="ConfigException"/> at the node's position.</summary>
    private sealed class Walker(string source)
    {
        public ConfigException Error(YamlNode node, string key, string problem) =>
            new(source, node.Start.Line, node.Start.Column, key, problem);

        public IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode map, string path, string[]? allowed)
        {
            foreach (var (keyNode, value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                {
                    throw Error(keyNode, path, $"expected a plain key, got {Describe(keyNode)}");
                }
                var keyPath = path.Length == 0 ? key : $"{path}.{key}";
                if (allowed is not null && !allowed.Contains(key, StringComparer.Ordinal))
                {
                    throw Error(keyNode, keyPath, $"unknown key; expected one of: {string.Join(", ", allowed)}");
                }
                yield return (key, value);
            }
        }

        public YamlMappingNode Mapping(YamlNode node, string key) =>
            node as YamlMappingNode ?? throw Error(node, key, $"expected a mapping, got {Describe(node)}");

        public List<YamlNode> Sequence(YamlNode node, string key) =>
            node is YamlSequenceNode seq ? seq.Children.ToList() : throw Error(node, key, $"expected a list, got {Describe(node)}");

        public string String(YamlNode node, string key) =>
            node is YamlScalarNode { Value: { } value } ? value : throw Error(node, key, $"expected a single value, got {Describe(node)}");

        public string NonEmpty(YamlNode node, string key)
        {
            var value = String(node, key).Trim();
            return value.Length > 0 ? value : throw Error(node, key, "expected a non-empty value");
        }

        public string Check(YamlNode node, string key, string value, CheckValue check) =>
            check(value, out var problem) ? value : throw Error(node, key, problem);

        public bool Bool(YamlNode node, string key) =>
            String(node, key).ToLowerInvariant() switch
            {
                "true" => true,
                "false" => false,
                var other => throw Error(node, key, $"expected true or false, got '{other}'"),
            };

        public int Int(YamlNode node, string key, int min, int max)
        {
            var text = String(node, key);
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw Error(node, key, $"expected a whole number, got '{text}'");
            }
            return value >= min && value <= max ? value : throw Error(node, key, $"expected a number from {min} to {max}, got {value}");
        }

        public double Double(YamlNode node, string key, double min, double max)
        {
            var text = String(node, key);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                throw Error(node, key, $"expected a number, got '{text}'");
            }
            return value >= min && value <= max
                ? value
                : throw Error(node, key, $"expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got {text}");
        }

        /// <summary>A plain <c>~</c>, <c>null</c> or empty value: the key is treated as absent.</summary>
        public static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

        public static string Describe(YamlNode node) => node switch
        {
            YamlMappingNode => "a mapping",
            YamlSequenceNode => "a list",
            YamlScalarNode s => $"'{s.Value}'",
            _ => "an alias",
        };
    }

    private delegate bool CheckValue(string value, out string problem);
}

using System.Globalization;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Metrics;
using Microsoft.Extensions.Logging;
using InnerWarden.Mesh.Host.Ownership;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// Reads <c>mesh.yaml</c>. It walks YamlDotNet's representation model by hand rather than deserializing,
/// so every error can name the file, line, column and key path of the bad node, and it collects every error
/// of the file (a bad value keeps its default and the walk goes on) before the file is refused, as YARP's
/// config validation does. Plugin settings are only read here (as text, with their positions); they are
/// checked against the installed plugins' declarations by <see cref="MeshConfigValidator"/>.
/// </summary>
internal static class MeshConfigLoader
{
    internal static readonly string[] TopLevelKeys =
    [
        "enabled", "bind", "poll_secs", "auto_broadcast", "max_signals_per_hour", "max_staged", "max_seen_signals",
        "initial_trust", "peers", "allowlist", "plugins", "plugin_settings", "data_dir", "metrics", "log_level", "audit",
        "late_confirmation_hours",
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

    private static readonly string[] AuditKeys = ["max_size_mb", "max_age_days", "unknown_lines_per_minute"];

    private static readonly string[] PeerKeys = ["endpoint", "public_key", "label"];

    private static readonly string[] PluginKeys = ["directory", "transport", "trust", "staging", "enforcer", "detectors"];

    /// <summary>Loads the file; a file that does not exist means every default. Throws <see cref="ConfigException"/> listing every error.</summary>
    public static MeshConfig Load(string path) => Read(path, givenBy: null).OrThrow();

    /// <summary>
    /// Reads the file a command was pointed at. A missing file means every default only at the default path; a file named
    /// by <c>--config</c> or <c>$INNERWARDEN_CONFIG</c> that does not exist is an error naming the path and who named it.
    /// </summary>
    public static LoadedConfig Read(ConfigLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return Read(location.ConfigPath, location.ConfigGivenBy);
    }

    /// <summary>Reads <paramref name="path"/>, collecting every error; a missing file is every default unless <paramref name="givenBy"/> named it.</summary>
    public static LoadedConfig Read(string path, string? givenBy = null)
    {
        if (!File.Exists(path))
        {
            if (givenBy is null || Directory.Exists(path))
            {
                return Directory.Exists(path)
                    ? Failed(path, "is a directory, not a config file")
                    : new LoadedConfig(MeshConfig.Default, new ConfigSourceMap(path), []);
            }
            return Failed(path, $"config file does not exist (named by {givenBy}); check the path, create it with `innerwarden --config {path} mesh enable`, or leave {givenBy} unset to use {MeshConfig.DefaultConfigPath}");
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw FileAccessException.CannotRead(path, "config file", ServiceFileCheck.GroupReadFix(path));
        }
        catch (IOException e)
        {
            throw new ConfigException(path, 0, 0, "", $"cannot read the config file: {e.Message}", e);
        }
        return ReadText(text, path);
    }

    private static LoadedConfig Failed(string path, string problem) =>
        new(MeshConfig.Default, new ConfigSourceMap(path), [new ConfigError(path, 0, 0, "", problem)]);

    /// <summary>Parses config text; <paramref name="source"/> names it in errors. Throws <see cref="ConfigException"/> listing every error.</summary>
    public static MeshConfig Parse(string yaml, string source) => ReadText(yaml, source).OrThrow();

    /// <summary>Parses config text, collecting every error instead of throwing (YAML that does not parse still throws).</summary>
    public static LoadedConfig ReadText(string yaml, string source)
    {
        var root = ReadRoot(yaml, source);
        var walker = new Walker(source);
        var config = root is null ? MeshConfig.Default : Map(root, walker);
        return new LoadedConfig(config, walker.Source, LoadedConfig.InFileOrder(walker.Errors));
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
                "enabled" => config with { Enabled = w.Bool(value, key) ?? config.Enabled },
                "bind" => config with { Bind = w.Check(value, key, ConfigValues.IsBindAddress) ?? config.Bind },
                "poll_secs" => config with { PollSecs = w.Int(value, key, 1, 86_400) ?? config.PollSecs },
                "auto_broadcast" => config with { AutoBroadcast = w.Bool(value, key) ?? config.AutoBroadcast },
                "max_signals_per_hour" => config with { MaxSignalsPerHour = w.Int(value, key, 1, 1_000_000) ?? config.MaxSignalsPerHour },
                "max_staged" => config with { MaxStaged = w.Int(value, key, 1, 10_000_000) ?? config.MaxStaged },
                "max_seen_signals" => config with { MaxSeenSignals = w.Int(value, key, 100, 10_000_000) ?? config.MaxSeenSignals },
                "initial_trust" => config with { InitialTrust = w.Double(value, key, 0, 1) ?? config.InitialTrust },
                "peers" => config with { Peers = MapPeers(value, w) },
                "allowlist" => config with { Allowlist = MapAllowlist(value, w) },
                "plugins" => MapPlugins(value, w, config),
                "plugin_settings" => config with { PluginSettings = MapPluginSettings(value, w) },
                "data_dir" => config with { DataDirectory = w.NonEmpty(value, key) ?? config.DataDirectory },
                "metrics" => config with { Metrics = MapMetrics(value, w) },
                "log_level" => config with { LogLevel = MapLogLevel(value, w) ?? config.LogLevel },
                "audit" => config with { Audit = MapAudit(value, w) },
                "late_confirmation_hours" => config with { LateConfirmationHours = w.Int(value, key, 0, 720) ?? config.LateConfirmationHours },
                _ => throw new InvalidOperationException("unreachable: key list and switch disagree"),
            };
        }
        return config;
    }

    private static LogLevel? MapLogLevel(YamlNode node, Walker w)
    {
        if (w.String(node, "log_level") is not { } name)
        {
            return null;
        }
        if (LogLevels.TryGetValue(name, out var level))
        {
            return level;
        }
        w.Error(node, "log_level", $"expected one of: {string.Join(", ", LogLevels.Keys)}, got '{name}'");
        return null;
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
                w.Error(item, path, $"expected a mapping with endpoint, public_key, label; got {Walker.Describe(item)}");
                continue;
            }
            Uri? endpoint = null;
            string? publicKey = null;
            string? label = null;
            var endpointWritten = false;
            foreach (var (key, value) in w.Entries(map, path, PeerKeys))
            {
                var keyPath = $"{path}.{key}";
                if (Walker.IsNull(value))
                {
                    continue;
                }
                endpointWritten |= key == "endpoint";
                if (w.String(value, keyPath) is not { } text)
                {
                    continue;
                }
                switch (key)
                {
                    case "endpoint":
                        if (!ConfigValues.TryParseEndpoint(text, out var uri, out var problem))
                        {
                            w.Error(value, keyPath, problem);
                            break;
                        }
                        var normalized = EndpointKey(uri);
                        if (seen.TryGetValue(normalized, out var first))
                        {
                            w.Error(value, keyPath, $"duplicate endpoint '{text}' (already listed as peers[{first}])");
                            break;
                        }
                        seen[normalized] = i;
                        endpoint = uri;
                        break;
                    case "public_key":
                        if (!ConfigValues.TryParsePublicKey(text, out var hex, out var keyProblem))
                        {
                            w.Error(value, keyPath, keyProblem);
                            break;
                        }
                        publicKey = hex;
                        break;
                    default:
                        label = text;
                        break;
                }
            }
            if (endpoint is not null)
            {
                peers.Add(new PeerInfo(endpoint, publicKey, label));
            }
            else if (!endpointWritten)
            {
                w.Error(item, $"{path}.endpoint", "missing; every peer needs an endpoint URL");
            }
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
            if (w.Check(items[i], $"allowlist[{i}]", ConfigValues.IsAddressOrCidr) is { } entry)
            {
                list.Add(entry);
            }
        }
        return list;
    }

    private static MeshConfig MapPlugins(YamlNode node, Walker w, MeshConfig config)
    {
        var selection = config.Plugins;
        var directory = config.PluginDirectory;
        if (w.Mapping(node, "plugins") is not { } map)
        {
            return config;
        }
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
                    directory = w.NonEmpty(value, path) ?? directory;
                    break;
                case "transport":
                    selection = selection with { Transport = w.NonEmpty(value, path) ?? selection.Transport };
                    break;
                case "trust":
                    selection = selection with { Trust = w.NonEmpty(value, path) ?? selection.Trust };
                    break;
                case "staging":
                    selection = selection with { Staging = w.NonEmpty(value, path) ?? selection.Staging };
                    break;
                case "enforcer":
                    selection = selection with { Enforcer = w.NonEmpty(value, path) ?? selection.Enforcer };
                    break;
                default:
                    var detectors = new List<string>();
                    var items = w.Sequence(value, path);
                    for (var i = 0; i < items.Count; i++)
                    {
                        var itemPath = $"{path}[{i}]";
                        w.Source.Add(itemPath, items[i], items[i]);
                        if (w.NonEmpty(items[i], itemPath) is not { } name)
                        {
                            continue;
                        }
                        if (detectors.Contains(name, StringComparer.Ordinal))
                        {
                            w.Error(items[i], itemPath, $"detector '{name}' is listed twice");
                            continue;
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
        foreach (var (key, path, value) in w.Section(node, "metrics", MetricsKeys))
        {
            if (key == "enabled")
            {
                options = options with { Enabled = w.Bool(value, path) ?? options.Enabled };
                continue;
            }
            if (w.String(value, path) is not { } bind)
            {
                continue;
            }
            var candidate = options with { Bind = bind };
            if (!candidate.TryGetEndpoint(out _, out var error))
            {
                // The error already starts with "metrics.bind: "; the walker adds the position.
                w.Error(value, path, error["metrics.bind: ".Length..]);
                continue;
            }
            options = candidate;
        }
        return options;
    }

    private static AuditOptions MapAudit(YamlNode node, Walker w)
    {
        var options = AuditOptions.Default;
        foreach (var (key, path, value) in w.Section(node, "audit", AuditKeys))
        {
            options = key switch
            {
                // Up to 1 TiB; 1 MiB at least, so a segment (a sixteenth) still holds a few hundred lines.
                "max_size_mb" => w.Int(value, path, 1, 1024 * 1024) is { } mb ? options with { MaxBytes = mb * AuditOptions.BytesPerMb } : options,
                "max_age_days" => options with { MaxAgeDays = w.Int(value, path, 1, 3650) ?? options.MaxAgeDays },
                _ => options with { UnknownLinesPerMinute = w.Int(value, path, 0, 1_000_000) ?? options.UnknownLinesPerMinute },
            };
        }
        return options;
    }

    /// <summary>
    /// Each plugin's section as text, key by key: a scalar as written, a list as its items joined by commas (the form
    /// <see cref="Contracts.Plugins.PluginSettingValues"/> reads), positions recorded for the validator. Whether a key
    /// exists and what it takes is the plugin's declaration's business, checked later.
    /// </summary>
    private static Dictionary<string, IReadOnlyDictionary<string, string>> MapPluginSettings(YamlNode node, Walker w)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (w.Mapping(node, "plugin_settings") is not { } sections)
        {
            return result;
        }
        foreach (var (plugin, value) in w.Entries(sections, "plugin_settings", null))
        {
            var path = $"plugin_settings.{plugin}";
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            result[plugin] = settings;
            if (Walker.IsNull(value) || w.Mapping(value, path) is not { } section)
            {
                continue;
            }
            foreach (var (key, setting) in w.Entries(section, path, null))
            {
                var keyPath = $"{path}.{key}";
                if (Walker.IsNull(setting))
                {
                    // `key:` with nothing after it keeps the default, as everywhere else in the file.
                    continue;
                }
                if (setting is YamlSequenceNode list)
                {
                    if (ListText(list, keyPath, w) is { } joined)
                    {
                        settings[key] = joined;
                    }
                    continue;
                }
                if (setting is not YamlScalarNode { Value: { } text })
                {
                    w.Error(setting, keyPath, $"expected a single value or a list, got {Walker.Describe(setting)}");
                    continue;
                }
                settings[key] = text;
            }
        }
        return result;
    }

    private static string? ListText(YamlSequenceNode list, string path, Walker w)
    {
        var items = new List<string>();
        var valid = true;
        for (var i = 0; i < list.Children.Count; i++)
        {
            var item = list.Children[i];
            var itemPath = $"{path}[{i}]";
            w.Source.Add(itemPath, item, item);
            if (item is not YamlScalarNode { Value: { Length: > 0 } text } || Walker.IsNull(item))
            {
                w.Error(item, itemPath, $"expected a value, got {(Walker.IsNull(item) ? "an empty item" : Walker.Describe(item))}");
                valid = false;
            }
            else if (text.Contains(',', StringComparison.Ordinal))
            {
                // The text form of a list separates items with commas, so an item cannot hold one.
                w.Error(item, itemPath, $"a list item may not contain ',', got '{text}'");
                valid = false;
            }
            else
            {
                items.Add(text.Trim());
            }
        }
        return valid ? string.Join(",", items) : null;
    }

    /// <summary>Turns nodes into values; a bad node adds an error at its position and yields null (the caller keeps the default).</summary>
    private sealed class Walker(string source)
    {
        public List<ConfigError> Errors { get; } = [];

        public ConfigSourceMap Source { get; } = new(source);

        public void Error(YamlNode node, string key, string problem) =>
            Errors.Add(new ConfigError(source, node.Start.Line, node.Start.Column, key, problem));

        public IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode map, string path, string[]? allowed)
        {
            foreach (var (keyNode, value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                {
                    Error(keyNode, path, $"expected a plain key, got {Describe(keyNode)}");
                    continue;
                }
                var keyPath = path.Length == 0 ? key : $"{path}.{key}";
                if (allowed is not null && !allowed.Contains(key, StringComparer.Ordinal))
                {
                    Errors.Add(new ConfigError(source, keyNode.Start.Line, keyNode.Start.Column, keyPath, UnknownKey(key, allowed))
                    {
                        IsUnknownTopLevelKey = path.Length == 0,
                    });
                    continue;
                }
                Source.Add(keyPath, keyNode, value);
                yield return (key, value);
            }
        }

        /// <summary>The set keys of a top-level section such as <c>metrics:</c>, each with its path; a key left empty keeps its default.</summary>
        public IEnumerable<(string Key, string Path, YamlNode Value)> Section(YamlNode node, string section, string[] allowed)
        {
            if (Mapping(node, section) is not { } map)
            {
                yield break;
            }
            foreach (var (key, value) in Entries(map, section, allowed))
            {
                if (!IsNull(value))
                {
                    yield return (key, $"{section}.{key}", value);
                }
            }
        }

        public YamlMappingNode? Mapping(YamlNode node, string key)
        {
            if (node is YamlMappingNode map)
            {
                return map;
            }
            Error(node, key, $"expected a mapping, got {Describe(node)}");
            return null;
        }

        public List<YamlNode> Sequence(YamlNode node, string key)
        {
            if (node is YamlSequenceNode seq)
            {
                return [.. seq.Children];
            }
            Error(node, key, $"expected a list, got {Describe(node)}");
            return [];
        }

        public string? String(YamlNode node, string key)
        {
            if (node is YamlScalarNode { Value: { } value })
            {
                return value;
            }
            Error(node, key, $"expected a single value, got {Describe(node)}");
            return null;
        }

        public string? NonEmpty(YamlNode node, string key)
        {
            if (String(node, key)?.Trim() is not { } value)
            {
                return null;
            }
            if (value.Length > 0)
            {
                return value;
            }
            Error(node, key, "expected a non-empty value");
            return null;
        }

        public string? Check(YamlNode node, string key, CheckValue check)
        {
            if (String(node, key) is not { } value)
            {
                return null;
            }
            if (check(value, out var problem))
            {
                return value;
            }
            Error(node, key, problem);
            return null;
        }

        public bool? Bool(YamlNode node, string key)
        {
            switch (String(node, key)?.ToLowerInvariant())
            {
                case null:
                    return null;
                case "true":
                    return true;
                case "false":
                    return false;
                case var other:
                    Error(node, key, $"expected true or false, got '{other}'");
                    return null;
            }
        }

        public int? Int(YamlNode node, string key, int min, int max)
        {
            if (String(node, key) is not { } text)
            {
                return null;
            }
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                Error(node, key, $"expected a whole number, got '{text}'");
                return null;
            }
            if (value < min || value > max)
            {
                Error(node, key, $"expected a number from {min} to {max}, got {value}");
                return null;
            }
            return value;
        }

        public double? Double(YamlNode node, string key, double min, double max)
        {
            if (String(node, key) is not { } text)
            {
                return null;
            }
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                Error(node, key, $"expected a number, got '{text}'");
                return null;
            }
            if (value < min || value > max)
            {
                Error(node, key, $"expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got {text}");
                return null;
            }
            return value;
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

    /// <summary>The problem of an unknown key: the nearest known key when one is close, then every known key.</summary>
    internal static string UnknownKey(string key, IReadOnlyCollection<string> known) =>
        $"unknown key; {NearestName.Hint(key, known)}expected one of: {string.Join(", ", known)}";

    private delegate bool CheckValue(string value, out string problem);
}

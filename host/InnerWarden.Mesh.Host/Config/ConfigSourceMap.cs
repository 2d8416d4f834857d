using YamlDotNet.RepresentationModel;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// Where each key of a config file was written, by key path (<c>plugins.enforcer</c>, <c>plugin_settings.sshd.max_failures</c>,
/// <c>plugins.detectors[1]</c>), so checks that run after loading (the plugin settings, which need the installed plugins)
/// can still report <c>file:line:column</c>. A config built in code has an empty map; its errors carry the key path only.
/// </summary>
internal sealed class ConfigSourceMap
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ConfigSourceMap(string file)
    {
        File = file;
    }

    /// <summary>The file's path as errors name it.</summary>
    public string File { get; }

    /// <summary>Records the key (or list item) at <paramref name="path"/>.</summary>
    public void Add(string path, YamlNode key, YamlNode value) =>
        _entries[path] = new Entry(key.Start.Line, key.Start.Column, value.Start.Line, value.Start.Column, value is YamlSequenceNode);

    /// <summary>True when the value at <paramref name="path"/> was written as a YAML list.</summary>
    public bool IsList(string path) => _entries.TryGetValue(path, out var entry) && entry.IsList;

    /// <summary>True when the file has the key path.</summary>
    public bool Contains(string path) => _entries.ContainsKey(path);

    /// <summary>An error at the key itself (unknown or misplaced keys).</summary>
    public ConfigError AtKey(string path, string problem) => At(path, problem, atValue: false);

    /// <summary>An error at the key's value (wrong type, out of range). Falls back to the closest enclosing key the file has.</summary>
    public ConfigError AtValue(string path, string problem) => At(path, problem, atValue: true);

    private ConfigError At(string path, string problem, bool atValue)
    {
        for (var probe = path; probe.Length > 0; probe = Parent(probe))
        {
            if (_entries.TryGetValue(probe, out var entry))
            {
                return atValue
                    ? new ConfigError(File, entry.ValueLine, entry.ValueColumn, path, problem)
                    : new ConfigError(File, entry.KeyLine, entry.KeyColumn, path, problem);
            }
        }
        return new ConfigError(File, 0, 0, path, problem);
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }

    private readonly record struct Entry(long KeyLine, long KeyColumn, long ValueLine, long ValueColumn, bool IsList);
}

using System.Text;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Plugins;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// The plugin-settings docs, generated from the plugins' declarations (<see cref="IMeshPlugin.Settings"/>): the README's
/// table and the commented <c>plugin_settings</c> part of <c>packaging/mesh.yaml</c>. Each lives between marker lines in its
/// file; <c>innerwarden config docs --format markdown|yaml --write FILE</c> rewrites the block, and a test fails when a
/// committed block differs from what the installed plugins declare.
/// </summary>
internal static class PluginSettingsDocs
{
    /// <summary>The generated formats.</summary>
    internal enum Format
    {
        /// <summary>A Markdown table (README.md).</summary>
        Markdown,
        /// <summary>Commented YAML (packaging/mesh.yaml).</summary>
        Yaml,
    }

    /// <summary>The marker lines around the generated block in a file of that format.</summary>
    public static (string Begin, string End) Markers(Format format) => format == Format.Markdown
        ? ($"<!-- BEGIN plugin-settings: generated from the plugins' declarations by `{Command(format)}`; do not edit by hand -->",
            "<!-- END plugin-settings -->")
        : ($"# BEGIN plugin-settings: generated from the plugins' declarations by `{Command(format)}`; do not edit by hand",
            "# END plugin-settings");

    /// <summary>The command that regenerates the block in the repository's file of that format (run from the repository root).</summary>
    public static string Command(Format format) => format == Format.Markdown
        ? "dotnet run --project host/InnerWarden.Mesh.Host -- config docs --format markdown --write README.md"
        : "dotnet run --project host/InnerWarden.Mesh.Host -- config docs --format yaml --write packaging/mesh.yaml";

    /// <summary>The block (without its marker lines) for <paramref name="plugins"/>, in kind order, then by name.</summary>
    public static string Generate(Format format, IEnumerable<LoadedPlugin> plugins)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        var ordered = plugins.OrderBy(p => p.Kind).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
        return format == Format.Markdown ? Markdown(ordered) : Yaml(ordered);
    }

    /// <summary>The text between the marker lines of <paramref name="format"/> in <paramref name="file"/>; null when the markers are missing.</summary>
    public static string? Extract(string file, Format format)
    {
        ArgumentNullException.ThrowIfNull(file);
        var (begin, end) = Markers(format);
        var start = file.IndexOf(begin + "\n", StringComparison.Ordinal);
        var stop = file.IndexOf(end, StringComparison.Ordinal);
        return start < 0 || stop < start ? null : file[(start + begin.Length + 1)..stop];
    }

    /// <summary><paramref name="file"/> with the block between the markers replaced; throws when the markers are missing.</summary>
    public static string Replace(string file, Format format, string block)
    {
        ArgumentNullException.ThrowIfNull(file);
        var (begin, end) = Markers(format);
        if (Extract(file, format) is null)
        {
            throw new InvalidOperationException($"the file has no generated plugin-settings block; add these two lines where it goes:\n{begin}\n{end}");
        }
        var start = file.IndexOf(begin + "\n", StringComparison.Ordinal) + begin.Length + 1;
        var stop = file.IndexOf(end, StringComparison.Ordinal);
        return string.Concat(file.AsSpan(0, start), block, file.AsSpan(stop));
    }

    private static string Markdown(List<LoadedPlugin> plugins)
    {
        var text = new StringBuilder();
        text.Append("| plugin | key | takes | default | meaning |\n|---|---|---|---|---|\n");
        foreach (var plugin in plugins)
        {
            var settings = plugin.Entry.Settings ?? [];
            if (settings.Count == 0)
            {
                text.Append($"| `{plugin.Name}` | - | - | - | no settings |\n");
                continue;
            }
            foreach (var setting in settings)
            {
                text.Append($"| `{plugin.Name}` | `{setting.Name}` | {Cell(setting.Describe())} | {Cell(DefaultText(setting, markdown: true))} | {Cell(setting.Doc)} |\n");
            }
        }
        return text.ToString();
    }

    private static string Yaml(List<LoadedPlugin> plugins)
    {
        var text = new StringBuilder();
        text.Append("# Per-plugin settings, by plugin name. Only the section of a selected plugin is accepted (see plugins: above),\n");
        text.Append("# and only the keys it declares: an unknown key, a wrong type or an out-of-range value stops the agent with\n");
        text.Append("# file:line:column. Uncomment the section of a plugin you selected; the values shown are the defaults.\n");
        text.Append("#plugin_settings:\n");
        var without = new List<string>();
        foreach (var plugin in plugins)
        {
            var settings = plugin.Entry.Settings ?? [];
            if (settings.Count == 0)
            {
                without.Add(plugin.Name);
                continue;
            }
            text.Append($"#  {plugin.Name}:\n");
            foreach (var setting in settings)
            {
                Comment(text, "#    # ", $"{Capitalized(setting.Doc.TrimEnd('.'))}. {Capitalized(setting.Describe())}; default: {DefaultText(setting, markdown: false)}.");
                text.Append($"#    {setting.Name}:{YamlValue(setting)}\n");
            }
        }
        if (without.Count > 0)
        {
            text.Append($"#  # {string.Join(", ", without)}: no settings.\n");
        }
        return text.ToString();
    }

    private static string DefaultText(PluginSettingDefinition setting, bool markdown) =>
        setting.DefaultDescription ?? setting.Default switch
        {
            null => setting.IsList ? "empty" : "unset",
            var value => markdown ? $"`{value}`" : value,
        };

    // A value line: the default when there is one (uncommented, it changes nothing), else nothing (a null value keeps the default).
    private static string YamlValue(PluginSettingDefinition setting) => setting.Default switch
    {
        null => setting.IsList ? " []" : "",
        var value when setting.Type is PluginSettingType.Text or PluginSettingType.Path or PluginSettingType.Choice or PluginSettingType.Url =>
            " \"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        var value => " " + value,
    };

    // Comment lines of at most Width characters, broken between words.
    private static void Comment(StringBuilder text, string prefix, string comment)
    {
        const int Width = 110;
        var line = new StringBuilder(prefix);
        foreach (var word in comment.Split(' '))
        {
            if (line.Length > prefix.Length && line.Length + 1 + word.Length > Width)
            {
                text.Append(line).Append('\n');
                line.Clear().Append(prefix);
            }
            if (line.Length > prefix.Length)
            {
                line.Append(' ');
            }
            line.Append(word);
        }
        text.Append(line).Append('\n');
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}

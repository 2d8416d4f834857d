using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>
/// A plugin's settings checked against its declarations (<see cref="IMeshPlugin.Settings"/>) and typed: every declared key
/// reads as its configured value or, when absent, its default. A plugin builds it in <see cref="IMeshPlugin.Register"/> with
/// <see cref="Parse"/> from <see cref="PluginContext.Settings"/> (which the host has already checked the same way, so
/// a mistake was reported with its file position before the plugin ever sees it).
/// </summary>
public sealed class PluginSettingValues
{
    private readonly Dictionary<string, PluginSettingDefinition> _definitions;
    private readonly Dictionary<string, string> _configured;

    private PluginSettingValues(IReadOnlyList<PluginSettingDefinition> definitions, Dictionary<string, string> configured)
    {
        Definitions = definitions;
        _definitions = new Dictionary<string, PluginSettingDefinition>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (!_definitions.TryAdd(definition.Name, definition))
            {
                throw new ArgumentException($"setting '{definition.Name}' is declared twice", nameof(definitions));
            }
        }
        _configured = configured;
    }

    /// <summary>The declarations these values were checked against.</summary>
    public IReadOnlyList<PluginSettingDefinition> Definitions { get; }

    /// <summary>
    /// Checks <paramref name="settings"/> (key to value as written in config; a list's items separated by commas) against
    /// <paramref name="definitions"/>. True with the values when every key is declared and every value fits its definition;
    /// otherwise false with every problem found (unknown keys, bad values, bad list items as <c>key[index]</c>).
    /// </summary>
    public static bool TryParse(
        IReadOnlyList<PluginSettingDefinition> definitions,
        IReadOnlyDictionary<string, string> settings,
        [NotNullWhen(true)] out PluginSettingValues? values,
        out IReadOnlyList<PluginSettingProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(settings);
        var byName = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var found = new List<PluginSettingProblem>();
        var configured = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, text) in settings)
        {
            if (!byName.TryGetValue(key, out var definition))
            {
                found.Add(new PluginSettingProblem(key, definitions.Count == 0
                    ? "unknown setting; this plugin has no settings"
                    : $"unknown setting; expected one of: {string.Join(", ", definitions.Select(d => d.Name))}"));
                continue;
            }
            if (definition.IsList)
            {
                var items = SplitList(text);
                for (var i = 0; i < items.Count; i++)
                {
                    if (definition.Check(items[i]) is { } itemProblem)
                    {
                        found.Add(new PluginSettingProblem(string.Create(CultureInfo.InvariantCulture, $"{key}[{i}]"), itemProblem));
                    }
                }
            }
            else if (definition.Check(text) is { } problem)
            {
                found.Add(new PluginSettingProblem(key, problem));
            }
            configured[key] = definition.Type == PluginSettingType.Text ? text : text.Trim();
        }
        problems = found;
        values = found.Count == 0 ? new PluginSettingValues(definitions, configured) : null;
        return values is not null;
    }

    /// <summary>
    /// <see cref="TryParse"/>, then the plugin's own <paramref name="rules"/> (e.g. <see cref="IMeshPlugin.CheckSettings"/>);
    /// throws <see cref="ArgumentException"/> naming every problem as <c>plugin_settings.&lt;plugin&gt;.&lt;key&gt;: problem</c>, one per line.
    /// </summary>
    public static PluginSettingValues Parse(
        string pluginName,
        IReadOnlyList<PluginSettingDefinition> definitions,
        IReadOnlyDictionary<string, string> settings,
        Func<PluginSettingValues, IReadOnlyList<PluginSettingProblem>>? rules = null)
    {
        if (!TryParse(definitions, settings, out var values, out var problems) || (rules is not null && (problems = rules(values)).Count > 0))
        {
            throw new ArgumentException(string.Join("\n", problems.Select(p =>
                p.Key.Length == 0 ? $"plugin_settings.{pluginName}: {p.Problem}" : $"plugin_settings.{pluginName}.{p.Key}: {p.Problem}")));
        }
        return values;
    }

    /// <summary>The items of a list value written as one text: split at commas, trimmed, empty items dropped.</summary>
    public static IReadOnlyList<string> SplitList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>True when the config sets <paramref name="name"/> (false when the value is its default).</summary>
    public bool IsSet(string name)
    {
        Definition(name);
        return _configured.ContainsKey(name);
    }

    /// <summary>A <see cref="PluginSettingType.Flag"/> setting.</summary>
    public bool GetFlag(string name) =>
        PluginSettingDefinition.TryParseFlag(Read(name, PluginSettingType.Flag) ?? throw NoValue(name), out var value) ? value : throw Unreadable(name);

    /// <summary>A <see cref="PluginSettingType.WholeNumber"/> setting.</summary>
    public long GetWholeNumber(string name) =>
        long.Parse(Read(name, PluginSettingType.WholeNumber) ?? throw NoValue(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>A <see cref="PluginSettingType.Number"/> setting.</summary>
    public double GetNumber(string name) =>
        PluginSettingDefinition.TryParseNumber(Read(name, PluginSettingType.Number) ?? throw NoValue(name), out var value) ? value : throw Unreadable(name);

    /// <summary>A <see cref="PluginSettingType.Duration"/> setting.</summary>
    public TimeSpan GetDuration(string name) =>
        PluginSettingDefinition.TryParseDuration(Read(name, PluginSettingType.Duration) ?? throw NoValue(name), out var value) ? value : throw Unreadable(name);

    /// <summary>
    /// A <see cref="PluginSettingType.Text"/>, <see cref="PluginSettingType.Path"/>, <see cref="PluginSettingType.Choice"/> (in its
    /// declared spelling) or <see cref="PluginSettingType.Url"/> setting; null when it is not configured and has no default.
    /// </summary>
    public string? GetText(string name)
    {
        var definition = Definition(name);
        var text = Read(name, PluginSettingType.Text, PluginSettingType.Path, PluginSettingType.Choice, PluginSettingType.Url);
        return definition.Type == PluginSettingType.Choice && text is not null
            ? definition.Values.First(v => v.Equals(text, StringComparison.OrdinalIgnoreCase))
            : text;
    }

    /// <summary>A list setting's items; empty when it is not configured.</summary>
    public IReadOnlyList<string> GetList(string name) =>
        Read(name, PluginSettingType.TextList, PluginSettingType.AddressList, PluginSettingType.UrlList) is { } text ? SplitList(text) : [];

    private PluginSettingDefinition Definition(string name) =>
        _definitions.TryGetValue(name, out var definition)
            ? definition
            : throw new KeyNotFoundException($"no setting '{name}' is declared (declared: {string.Join(", ", _definitions.Keys)})");

    private string? Read(string name, params ReadOnlySpan<PluginSettingType> types)
    {
        var definition = Definition(name);
        var declared = false;
        foreach (var type in types)
        {
            declared |= type == definition.Type;
        }
        if (!declared)
        {
            throw new InvalidOperationException($"setting '{name}' is declared as {definition.Type}; read it with the matching Get method");
        }
        return _configured.TryGetValue(name, out var text) ? text : definition.Default;
    }

    // Configured values were checked when these values were built; only a declared default can be unreadable.
    private static InvalidOperationException Unreadable(string name) =>
        new($"setting '{name}' has a default that does not fit its own definition");

    private static InvalidOperationException NoValue(string name) =>
        new($"setting '{name}' is not configured and declares no default");
}

using System.Globalization;
using System.Net;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>
/// One key a plugin accepts under <c>plugin_settings.&lt;plugin&gt;</c>: its name, type, range, default and a one-line doc.
/// A plugin lists its keys in <see cref="IMeshPlugin.Settings"/>; the host refuses any other key, checks every value
/// against its definition (reporting the config file's line and column), and generates the settings docs from the list.
/// Build definitions with the factory methods (<see cref="WholeNumber"/>, <see cref="Choice"/>, ...).
/// </summary>
/// <param name="Name">The key as written in config, e.g. <c>max_failures</c>.</param>
/// <param name="Type">What values it takes.</param>
/// <param name="Doc">One line for operators: what the setting changes.</param>
public sealed record PluginSettingDefinition(string Name, PluginSettingType Type, string Doc)
{
    /// <summary>The default as written in config (invariant culture); null when the key has none and the plugin decides (see <see cref="DefaultDescription"/>).</summary>
    public string? Default { get; init; }

    /// <summary>How the docs state a default the plugin works out at start, e.g. <c>the data dir</c>; null to show <see cref="Default"/>.</summary>
    public string? DefaultDescription { get; init; }

    /// <summary>The lowest accepted value of a number, whole number or duration (in seconds); null for no lower bound.</summary>
    public double? Min { get; init; }

    /// <summary>True when <see cref="Min"/> itself is refused, as in the range (0, 1].</summary>
    public bool MinExclusive { get; init; }

    /// <summary>The highest accepted value of a number, whole number or duration (in seconds); null for no upper bound.</summary>
    public double? Max { get; init; }

    /// <summary>The accepted values of a <see cref="PluginSettingType.Choice"/>; the accepted schemes of a <see cref="PluginSettingType.Url"/> (empty: any).</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>True for the list types, whose value is a YAML list (or one text of comma-separated items).</summary>
    public bool IsList => Type is PluginSettingType.TextList or PluginSettingType.AddressList or PluginSettingType.UrlList;

    /// <summary>A <c>true</c>/<c>false</c> setting.</summary>
    public static PluginSettingDefinition Flag(string name, bool defaultValue, string doc) =>
        new(name, PluginSettingType.Flag, doc) { Default = defaultValue ? "true" : "false" };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static PluginSettingDefinition WholeNumber(string name, long defaultValue, long min, long max, string doc) =>
        new(name, PluginSettingType.WholeNumber, doc) { Default = defaultValue.ToString(CultureInfo.InvariantCulture), Min = min, Max = max };

    /// <summary>A number from <paramref name="min"/> to <paramref name="max"/> (set <see cref="MinExclusive"/> with <c>with</c> to refuse <paramref name="min"/>).</summary>
    public static PluginSettingDefinition Number(string name, double defaultValue, double min, double max, string doc) =>
        new(name, PluginSettingType.Number, doc) { Default = defaultValue.ToString("R", CultureInfo.InvariantCulture), Min = min, Max = max };

    /// <summary>A duration from <paramref name="min"/> to <paramref name="max"/>, written <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c> or <c>1d</c>.</summary>
    public static PluginSettingDefinition Duration(string name, TimeSpan defaultValue, TimeSpan min, TimeSpan max, string doc) =>
        new(name, PluginSettingType.Duration, doc) { Default = FormatDuration(defaultValue), Min = min.TotalSeconds, Max = max.TotalSeconds };

    /// <summary>Free text; <paramref name="defaultValue"/> null means unset unless configured.</summary>
    public static PluginSettingDefinition Text(string name, string? defaultValue, string doc) =>
        new(name, PluginSettingType.Text, doc) { Default = defaultValue };

    /// <summary>An absolute path; <paramref name="defaultValue"/> null means unset unless configured (describe a computed default with <see cref="DefaultDescription"/>).</summary>
    public static PluginSettingDefinition FilePath(string name, string? defaultValue, string doc) =>
        new(name, PluginSettingType.Path, doc) { Default = defaultValue };

    /// <summary>One of <paramref name="values"/> (matched ignoring case, read back in the declared spelling).</summary>
    public static PluginSettingDefinition Choice(string name, string defaultValue, IReadOnlyList<string> values, string doc)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new(name, PluginSettingType.Choice, doc) { Default = defaultValue, Values = values };
    }

    /// <summary>An absolute URL with one of <paramref name="schemes"/> (any scheme when empty).</summary>
    public static PluginSettingDefinition Url(string name, string? defaultValue, IReadOnlyList<string> schemes, string doc)
    {
        ArgumentNullException.ThrowIfNull(schemes);
        return new(name, PluginSettingType.Url, doc) { Default = defaultValue, Values = schemes };
    }

    /// <summary>A list of non-empty texts; empty unless configured.</summary>
    public static PluginSettingDefinition TextList(string name, string doc) => new(name, PluginSettingType.TextList, doc);

    /// <summary>A list of IP addresses or CIDRs; empty unless configured.</summary>
    public static PluginSettingDefinition AddressList(string name, string doc) => new(name, PluginSettingType.AddressList, doc);

    /// <summary>A list of absolute URLs with one of <paramref name="schemes"/> (any scheme when empty); empty unless configured.</summary>
    public static PluginSettingDefinition UrlList(string name, IReadOnlyList<string> schemes, string doc)
    {
        ArgumentNullException.ThrowIfNull(schemes);
        return new(name, PluginSettingType.UrlList, doc) { Values = schemes };
    }

    /// <summary>
    /// Checks one value as written in config (for a list: one item). Returns null when it is valid, else what is wrong,
    /// e.g. <c>expected a whole number from 1 to 1000, got 'lots'</c>.
    /// </summary>
    public string? Check(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = Type == PluginSettingType.Text ? text : text.Trim();
        var valid = Type switch
        {
            PluginSettingType.Flag => TryParseFlag(value, out _),
            PluginSettingType.WholeNumber => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) && InRange(whole),
            PluginSettingType.Number => TryParseNumber(value, out var number) && InRange(number),
            PluginSettingType.Duration => TryParseDuration(value, out var duration) && InRange(duration.TotalSeconds),
            PluginSettingType.Text => true,
            PluginSettingType.Path => value.Length > 0 && !value.Contains('\0', StringComparison.Ordinal) && System.IO.Path.IsPathFullyQualified(value),
            PluginSettingType.Choice => Values.Any(v => v.Equals(value, StringComparison.OrdinalIgnoreCase)),
            PluginSettingType.Url or PluginSettingType.UrlList => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Host.Length > 0
                && (Values.Count == 0 || Values.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)),
            PluginSettingType.TextList => value.Length > 0,
            PluginSettingType.AddressList => IsAddressOrCidr(value),
            _ => false,
        };
        return valid ? null : $"expected {Expectation()}, got '{value}'";
    }

    /// <summary>What the setting takes, for docs and errors: <c>whole number from 1 to 1000</c>, <c>one of: end, beginning</c>, ...</summary>
    public string Describe() => Type switch
    {
        PluginSettingType.Flag => "true or false",
        PluginSettingType.WholeNumber => "whole number" + RangeText(),
        PluginSettingType.Number => "number" + RangeText(),
        PluginSettingType.Duration => "duration (e.g. 30s, 5m, 2h)" + RangeText(),
        PluginSettingType.Text => "text",
        PluginSettingType.Path => "absolute path",
        PluginSettingType.Choice => "one of: " + string.Join(", ", Values),
        PluginSettingType.Url => "URL" + SchemesText(),
        PluginSettingType.UrlList => "list of URLs" + SchemesText(),
        PluginSettingType.TextList => "list of texts",
        PluginSettingType.AddressList => "list of IP addresses or CIDRs",
        _ => Type.ToString(),
    };

    /// <summary>A duration in the shortest unit that writes it whole: <c>1d</c>, <c>2h</c>, <c>5m</c>, <c>30s</c>, <c>250ms</c>.</summary>
    internal static string FormatDuration(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks == 0)
        {
            return "0s";
        }
        (long Ticks, string Unit)[] units = [(TimeSpan.TicksPerDay, "d"), (TimeSpan.TicksPerHour, "h"), (TimeSpan.TicksPerMinute, "m"), (TimeSpan.TicksPerSecond, "s")];
        foreach (var (size, unit) in units)
        {
            if (ticks % size == 0)
            {
                return (ticks / size).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }
        return value.TotalMilliseconds.ToString("R", CultureInfo.InvariantCulture) + "ms";
    }

    internal static bool TryParseFlag(string text, out bool value)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            value = true;
            return true;
        }
        value = false;
        return text.Equals("false", StringComparison.OrdinalIgnoreCase);
    }

    internal static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>A number with a unit (ms, s, m, h, d); a bare number is seconds. Negative durations are refused.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)];
        var number = text;
        var scale = 1.0;
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                number = text[..^suffix.Length].TrimEnd();
                scale = seconds;
                break;
            }
        }
        if (!TryParseNumber(number, out var amount) || amount < 0)
        {
            return false;
        }
        var total = amount * scale;
        if (total > TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }
        value = TimeSpan.FromSeconds(total);
        return true;
    }

    private static bool IsAddressOrCidr(string text) =>
        text.Contains('/', StringComparison.Ordinal) ? IPNetwork.TryParse(text, out _) : IPAddress.TryParse(text, out _);

    private bool InRange(double value) =>
        (Min is not { } min || (MinExclusive ? value > min : value >= min)) && (Max is not { } max || value <= max);

    // The same words as Describe, with the article an error message needs ("expected a whole number ...").
    private string Expectation() => Type switch
    {
        PluginSettingType.Flag or PluginSettingType.Choice or PluginSettingType.Text => Describe(),
        PluginSettingType.Path => "an absolute path",
        PluginSettingType.TextList => "a non-empty item",
        PluginSettingType.AddressList => "an IP address or CIDR (e.g. 203.0.113.0/24)",
        PluginSettingType.UrlList => "a URL" + SchemesText(),
        _ => "a " + Describe(),
    };

    private string SchemesText() => Values.Count == 0 ? "" : " (" + string.Join(", ", Values.Select(s => s + "://")) + ")";

    private string RangeText()
    {
        string Bound(double bound) => Type switch
        {
            PluginSettingType.Duration => FormatDuration(TimeSpan.FromSeconds(bound)),
            _ => bound.ToString("R", CultureInfo.InvariantCulture),
        };
        return (Min, Max) switch
        {
            ({ } min, { } max) => MinExclusive ? $" greater than {Bound(min)} and at most {Bound(max)}" : $" from {Bound(min)} to {Bound(max)}",
            ({ } min, null) => MinExclusive ? $" greater than {Bound(min)}" : $" of at least {Bound(min)}",
            (null, { } max) => $" of at most {Bound(max)}",
            _ => "",
        };
    }
}

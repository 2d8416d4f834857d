using System.Globalization;

namespace InnerWarden.Mesh.Transport.Common.Settings;

/// <summary>
/// Reading a transport's <c>plugin_settings</c> strings: each reader refuses a bad value with an
/// <see cref="ArgumentException"/> naming <c>plugin_settings.PLUGIN.KEY</c> and the value, so the node's start fails saying so.
/// </summary>
internal static class SettingValues
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static long WholeNumber(string plugin, string key, string value, long min, long max)
    {
        ArgumentNullException.ThrowIfNull(value);
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw Bad(plugin, key, value, string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to {max}"));
    }

    /// <summary><c>true</c>/<c>yes</c>/<c>on</c>/<c>1</c> or <c>false</c>/<c>no</c>/<c>off</c>/<c>0</c>, any case.</summary>
    public static bool Boolean(string plugin, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToUpperInvariant() switch
        {
            "TRUE" or "YES" or "ON" or "1" => true,
            "FALSE" or "NO" or "OFF" or "0" => false,
            _ => throw Bad(plugin, key, value, "must be true or false"),
        };
    }

    /// <summary>The value, unless it is empty or blank (then <paramref name="problem"/> says what it must be).</summary>
    public static string NonEmpty(string plugin, string key, string value, string problem) =>
        string.IsNullOrWhiteSpace(value) ? throw Bad(plugin, key, value, problem) : value;

    /// <summary>The error for a bad value: <c>plugin_settings.PLUGIN.KEY: 'VALUE' PROBLEM</c>.</summary>
    public static ArgumentException Bad(string plugin, string key, string value, string problem) =>
        new($"plugin_settings.{plugin}.{key}: '{value}' {problem}");
}

using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Detectors.InnerWardenIncidents;

/// <summary>The incidents detector's settings (<c>plugin_settings: innerwarden-incidents:</c>).</summary>
/// <param name="Directory">Where Inner Warden writes <c>incidents-YYYY-MM-DD.jsonl</c>.</param>
/// <param name="StartAtEnd">Skip incidents already in today's file on start.</param>
/// <param name="PollInterval">How often the file is checked where file events are unavailable.</param>
internal sealed record IncidentsOptions(string Directory, bool StartAtEnd, TimeSpan PollInterval)
{
    /// <summary>The keys of <c>plugin_settings.innerwarden-incidents</c>.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.FilePath("directory", null, "where Inner Warden writes `incidents-YYYY-MM-DD.jsonl` (severity map in the plugin's README)")
            with { DefaultDescription = "the data dir" },
        PluginSettingDefinition.Choice("start_at", "end", ["end", "beginning"], "where to start in today's file: end skips the incidents already there"),
        PluginSettingDefinition.WholeNumber("poll_interval_ms", 1000, 10, 60_000, "where file events (inotify) are unavailable: how often the file is checked for new incidents, in milliseconds"),
    ];

    /// <summary>Reads and validates the settings; throws naming every bad key and value.</summary>
    public static IncidentsOptions Parse(IReadOnlyDictionary<string, string> settings, string dataDirectory)
    {
        var values = PluginSettingValues.Parse("innerwarden-incidents", Definitions, settings);
        return new IncidentsOptions(
            values.GetText("directory") ?? dataDirectory,
            values.GetText("start_at") == "end",
            TimeSpan.FromMilliseconds(values.GetWholeNumber("poll_interval_ms")));
    }
}

using System.Globalization;

namespace InnerWarden.Mesh.Detectors.InnerWardenIncidents;

/// <summary>The incidents detector's settings (<c>plugin_settings: innerwarden-incidents:</c>).</summary>
/// <param name="Directory">Where Inner Warden writes <c>incidents-YYYY-MM-DD.jsonl</c>.</param>
/// <param name="StartAtEnd">Skip incidents already in today's file on start.</param>
/// <param name="PollInterval">How often the file is checked.</param>
internal sealed record IncidentsOptions(string Directory, bool StartAtEnd, TimeSpan PollInterval)
{
    /// <summary>Reads and validates the settings; throws with the key and the bad value named.</summary>
    public static IncidentsOptions Parse(IReadOnlyDictionary<string, string> settings, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var directory = settings.TryGetValue("directory", out var d) && !string.IsNullOrWhiteSpace(d) ? d.Trim() : dataDirectory;
        var startAt = settings.TryGetValue("start_at", out var s) ? s.Trim() : "end";
        var startAtEnd = startAt switch
        {
            "end" => true,
            "beginning" => false,
            _ => throw new FormatException($"plugin_settings.innerwarden-incidents.start_at: '{startAt}' is not 'end' or 'beginning'"),
        };
        var pollMs = 1000;
        if (settings.TryGetValue("poll_interval_ms", out var p)
            && (!int.TryParse(p.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out pollMs) || pollMs is < 10 or > 60_000))
        {
            throw new FormatException($"plugin_settings.innerwarden-incidents.poll_interval_ms: '{p}' is not a whole number from 10 to 60000");
        }
        return new IncidentsOptions(directory, startAtEnd, TimeSpan.FromMilliseconds(pollMs));
    }
}

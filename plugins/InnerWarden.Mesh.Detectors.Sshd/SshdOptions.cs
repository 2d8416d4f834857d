using System.Globalization;

namespace InnerWarden.Mesh.Detectors.Sshd;

/// <summary>The sshd detector's settings (<c>plugin_settings: sshd:</c>).</summary>
/// <param name="LogPath">The log file to follow; null means journald (no auth log file exists).</param>
/// <param name="MaxFailures">Failures in the window that make a detection.</param>
/// <param name="Window">The sliding window.</param>
/// <param name="StartAtEnd">Skip the history already in the log on start.</param>
/// <param name="PollInterval">How often the file is checked for new lines.</param>
/// <param name="MaxTrackedIps">Bound on the addresses counted at once.</param>
/// <param name="BaseConfidence">Confidence of a detection at exactly <see cref="MaxFailures"/> failures (it grows from there).</param>
internal sealed record SshdOptions(string? LogPath, int MaxFailures, TimeSpan Window, bool StartAtEnd, TimeSpan PollInterval, int MaxTrackedIps,
    double BaseConfidence = Counting.FailureWindow.FloorConfidence)
{
    /// <summary>Where distributions write sshd's log, in order of preference.</summary>
    public static readonly IReadOnlyList<string> DefaultLogPaths = ["/var/log/auth.log", "/var/log/secure"];

    /// <summary>Reads and validates the settings; throws with the key and the bad value named.</summary>
    public static SshdOptions Parse(IReadOnlyDictionary<string, string> settings, Func<string, bool>? fileExists = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        fileExists ??= File.Exists;
        string? logPath;
        if (settings.TryGetValue("log_path", out var configured) && !string.IsNullOrWhiteSpace(configured))
        {
            logPath = configured.Trim();
        }
        else
        {
            logPath = DefaultLogPaths.FirstOrDefault(fileExists);
        }
        var maxFailures = ReadInt(settings, "max_failures", 5, 1, Counting.FailureWindow.MaxCountedPerIp);
        var window = TimeSpan.FromSeconds(ReadInt(settings, "window_secs", 300, 1, 86_400));
        var startAt = settings.TryGetValue("start_at", out var s) ? s.Trim() : "end";
        var startAtEnd = startAt switch
        {
            "end" => true,
            "beginning" => false,
            _ => throw new FormatException($"plugin_settings.sshd.start_at: '{startAt}' is not 'end' or 'beginning'"),
        };
        var poll = TimeSpan.FromMilliseconds(ReadInt(settings, "poll_interval_ms", 250, 10, 60_000));
        var maxTracked = ReadInt(settings, "max_tracked_ips", 100_000, 1, 10_000_000);
        var baseConfidence = Counting.FailureWindow.FloorConfidence;
        if (settings.TryGetValue("base_confidence", out var bc))
        {
            if (!double.TryParse(bc.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out baseConfidence)
                || baseConfidence < 0.05 || baseConfidence > Counting.FailureWindow.CeilingConfidence)
            {
                throw new FormatException($"plugin_settings.sshd.base_confidence: '{bc}' is not a number from 0.05 to {Counting.FailureWindow.CeilingConfidence}");
            }
        }
        return new SshdOptions(logPath, maxFailures, window, startAtEnd, poll, maxTracked, baseConfidence);
    }

    private static int ReadInt(IReadOnlyDictionary<string, string> settings, string key, int fallback, int min, int max)
    {
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new FormatException($"plugin_settings.sshd.{key}: '{text}' is not a whole number from {min} to {max}");
        }
        return value;
    }
}

using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Detectors.Sshd.Counting;

namespace InnerWarden.Mesh.Detectors.Sshd;

/// <summary>The sshd detector's settings (<c>plugin_settings: sshd:</c>).</summary>
/// <param name="LogPath">The log file to follow; null means journald (no auth log file exists).</param>
/// <param name="MaxFailures">Failures in the window that make a detection.</param>
/// <param name="Window">The sliding window.</param>
/// <param name="StartAtEnd">Skip the history already in the log on start.</param>
/// <param name="PollInterval">How often the file is checked for new lines where file events are unavailable.</param>
/// <param name="MaxTrackedIps">Bound on the addresses counted at once.</param>
/// <param name="BaseConfidence">Confidence of a detection at exactly <see cref="MaxFailures"/> failures (it grows from there).</param>
internal sealed record SshdOptions(string? LogPath, int MaxFailures, TimeSpan Window, bool StartAtEnd, TimeSpan PollInterval, int MaxTrackedIps,
    double BaseConfidence = SshdOptions.DefaultBaseConfidence)
{
    /// <summary>
    /// Confidence of a detection at exactly max_failures: the seed's SSH brute force (0.92), so a peer that vouched for
    /// this node (initial_trust 0.85) scores 0.78 and blocks for 1 h, and blocks for 24 h once trust has grown by one
    /// confirmation. FailureWindow's own floor (0.6) stays the counting primitive's default.
    /// </summary>
    public const double DefaultBaseConfidence = 0.92;

    /// <summary>Where distributions write sshd's log, in order of preference.</summary>
    public static readonly IReadOnlyList<string> DefaultLogPaths = ["/var/log/auth.log", "/var/log/secure"];

    /// <summary>The keys of <c>plugin_settings.sshd</c>: the host checks the config against them and the docs are generated from them.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.FilePath("log_path", null, "sshd log to follow (rotation and truncation handled)")
            with { DefaultDescription = $"first of {string.Join(", ", DefaultLogPaths.Select(p => $"`{p}`"))} that exists; else journald" },
        PluginSettingDefinition.WholeNumber("max_failures", 5, 1, FailureWindow.MaxCountedPerIp, "failed logins from one address within window_secs that make a detection"),
        PluginSettingDefinition.WholeNumber("window_secs", 300, 1, 86_400, "the sliding window the failures are counted in, in seconds"),
        PluginSettingDefinition.Number("base_confidence", DefaultBaseConfidence, 0.05, FailureWindow.CeilingConfidence,
            $"confidence of a detection at exactly max_failures; it grows toward {FailureWindow.CeilingConfidence} with more failures"),
        PluginSettingDefinition.Choice("start_at", "end", ["end", "beginning"], "where to start in the log: end skips the history already there"),
        PluginSettingDefinition.WholeNumber("poll_interval_ms", 250, 10, 60_000, "where file events (inotify) are unavailable: how often the log file is checked for new lines, in milliseconds"),
        PluginSettingDefinition.WholeNumber("max_tracked_ips", 100_000, 1, 10_000_000, "addresses counted at once (memory bound; the least recently seen is dropped first)"),
    ];

    /// <summary>Reads and validates the settings (as <see cref="PluginContext.Settings"/> holds them); throws naming every bad key and value.</summary>
    public static SshdOptions Parse(IReadOnlyDictionary<string, string> settings, Func<string, bool>? fileExists = null) =>
        From(PluginSettingValues.Parse("sshd", Definitions, settings), fileExists ?? File.Exists);

    private static SshdOptions From(PluginSettingValues values, Func<string, bool> fileExists) => new(
        values.GetText("log_path") ?? DefaultLogPaths.FirstOrDefault(fileExists),
        (int)values.GetWholeNumber("max_failures"),
        TimeSpan.FromSeconds(values.GetWholeNumber("window_secs")),
        values.GetText("start_at") == "end",
        TimeSpan.FromMilliseconds(values.GetWholeNumber("poll_interval_ms")),
        (int)values.GetWholeNumber("max_tracked_ips"),
        values.GetNumber("base_confidence"));
}

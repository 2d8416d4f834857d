using System.Globalization;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>The score table and the pool's bounds; the defaults are the seed's.</summary>
/// <param name="WatchlistAt">Lowest score that is staged at all (below: discarded).</param>
/// <param name="BlockShortAt">Lowest score blocked for the short TTL.</param>
/// <param name="BlockFullAt">Lowest score blocked for the full TTL.</param>
/// <param name="WatchlistTtl">How long a watchlisted address is kept.</param>
/// <param name="BlockShortTtl">TTL of a short block.</param>
/// <param name="BlockFullTtl">TTL of a full block, and of a confirmed one.</param>
/// <param name="MaxStaged">Upper bound of staged entries (<c>max_staged</c>).</param>
/// <param name="MaxRemembered">Upper bound of remembered discarded signals.</param>
/// <param name="MaxRememberTtl">Longest a discarded signal is remembered, whatever TTL it asked for.</param>
internal sealed record ThresholdOptions(
    double WatchlistAt,
    double BlockShortAt,
    double BlockFullAt,
    TimeSpan WatchlistTtl,
    TimeSpan BlockShortTtl,
    TimeSpan BlockFullTtl,
    int MaxStaged,
    int MaxRemembered,
    TimeSpan MaxRememberTtl)
{
    private static readonly string[] Known =
    [
        "watchlist_at", "block_short_at", "block_full_at",
        "watchlist_ttl_secs", "block_short_ttl_secs", "block_full_ttl_secs", "max_remembered",
    ];

    // A TTL beyond 30 days is a typo, and "nothing permanent" is the point of staging.
    private const long MaxTtlSecs = 30L * 24 * 3600;

    public static ThresholdOptions Default { get; } = new(
        0.3, 0.6, 0.8, TimeSpan.FromHours(2), TimeSpan.FromHours(1), TimeSpan.FromHours(24), 10_000, 50_000, TimeSpan.FromHours(24));

    /// <summary>The action and TTL for a weighted score; <see cref="SignalAction.Discarded"/> below the watchlist threshold.</summary>
    public (SignalAction Action, TimeSpan Ttl) Classify(double score) =>
        score >= BlockFullAt ? (SignalAction.BlockedFull, BlockFullTtl)
        : score >= BlockShortAt ? (SignalAction.BlockedShortTtl, BlockShortTtl)
        : score >= WatchlistAt ? (SignalAction.Watchlisted, WatchlistTtl)
        : (SignalAction.Discarded, TimeSpan.Zero);

    /// <summary>Reads the plugin's settings over the defaults; a bad value throws naming the setting and the value.</summary>
    public static ThresholdOptions Parse(string pluginName, IReadOnlyDictionary<string, string> settings, int maxStaged)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var key in settings.Keys)
        {
            if (Array.IndexOf(Known, key) < 0)
            {
                throw new ArgumentException($"plugin_settings.{pluginName}.{key}: unknown setting (known: {string.Join(", ", Known)})", nameof(settings));
            }
        }
        if (maxStaged < 1)
        {
            throw new ArgumentException($"max_staged: '{maxStaged.ToString(CultureInfo.InvariantCulture)}' must be at least 1", nameof(maxStaged));
        }

        var d = Default;
        var watch = Score(pluginName, settings, "watchlist_at", d.WatchlistAt);
        var shortAt = Score(pluginName, settings, "block_short_at", d.BlockShortAt);
        var fullAt = Score(pluginName, settings, "block_full_at", d.BlockFullAt);
        // Equal thresholds are allowed (they remove a band); crossing ones would make the table ambiguous.
        if (!(watch <= shortAt && shortAt <= fullAt))
        {
            throw new ArgumentException(
                $"plugin_settings.{pluginName}: thresholds must satisfy watchlist_at <= block_short_at <= block_full_at, got "
                + $"{watch.ToString(CultureInfo.InvariantCulture)}, {shortAt.ToString(CultureInfo.InvariantCulture)}, {fullAt.ToString(CultureInfo.InvariantCulture)}",
                nameof(settings));
        }
        return d with
        {
            WatchlistAt = watch,
            BlockShortAt = shortAt,
            BlockFullAt = fullAt,
            WatchlistTtl = Seconds(pluginName, settings, "watchlist_ttl_secs", d.WatchlistTtl),
            BlockShortTtl = Seconds(pluginName, settings, "block_short_ttl_secs", d.BlockShortTtl),
            BlockFullTtl = Seconds(pluginName, settings, "block_full_ttl_secs", d.BlockFullTtl),
            MaxStaged = maxStaged,
            MaxRemembered = (int)Integer(pluginName, settings, "max_remembered", d.MaxRemembered, 0, 10_000_000),
        };
    }

    private static double Score(string pluginName, IReadOnlyDictionary<string, string> settings, string key, double fallback)
    {
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }
        // 0 would stage everything, including signals from peers nobody trusts; the floor is just above it.
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value <= 0 || value > 1)
        {
            throw new ArgumentException($"plugin_settings.{pluginName}.{key}: '{text}' is not a number in (0, 1]", nameof(settings));
        }
        return value;
    }

    private static TimeSpan Seconds(string pluginName, IReadOnlyDictionary<string, string> settings, string key, TimeSpan fallback) =>
        settings.ContainsKey(key) ? TimeSpan.FromSeconds(Integer(pluginName, settings, key, 0, 1, MaxTtlSecs)) : fallback;

    private static long Integer(string pluginName, IReadOnlyDictionary<string, string> settings, string key, long fallback, long min, long max)
    {
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException(
                $"plugin_settings.{pluginName}.{key}: '{text}' is not a whole number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]",
                nameof(settings));
        }
        return value;
    }
}

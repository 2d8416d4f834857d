using System.Globalization;
using InnerWarden.Mesh.Contracts.Plugins;
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
/// <param name="TrustFloor">Signers trusted less than this have no vote when reports combine (<see cref="Corroboration"/>).</param>
internal sealed record ThresholdOptions(
    double WatchlistAt,
    double BlockShortAt,
    double BlockFullAt,
    TimeSpan WatchlistTtl,
    TimeSpan BlockShortTtl,
    TimeSpan BlockFullTtl,
    int MaxStaged,
    int MaxRemembered,
    TimeSpan MaxRememberTtl,
    double TrustFloor)
{
    private static readonly string[] BandKeys = ["block_full_at", "block_short_at", "watchlist_at"];

    // A TTL beyond 30 days is a typo, and "nothing permanent" is the point of staging.
    private const long MaxTtlSecs = 30L * 24 * 3600;

    public static ThresholdOptions Default { get; } = new(
        0.3, 0.6, 0.8, TimeSpan.FromHours(2), TimeSpan.FromHours(1), TimeSpan.FromHours(24), 10_000, 50_000, TimeSpan.FromHours(24), 0.3);

    /// <summary>
    /// The most combined reports can score: just below <see cref="BlockFullAt"/>, so corroboration alone gives at most a
    /// short block; the full block takes one signer's score or this node's own confirmation.
    /// </summary>
    public double CorroborationCap => Math.BitDecrement(BlockFullAt);

    /// <summary>The action and TTL for a weighted score; <see cref="SignalAction.Discarded"/> below the watchlist threshold.</summary>
    public (SignalAction Action, TimeSpan Ttl) Classify(double score) =>
        score >= BlockFullAt ? (SignalAction.BlockedFull, BlockFullTtl)
        : score >= BlockShortAt ? (SignalAction.BlockedShortTtl, BlockShortTtl)
        : score >= WatchlistAt ? (SignalAction.Watchlisted, WatchlistTtl)
        : (SignalAction.Discarded, TimeSpan.Zero);

    /// <summary>The keys of <c>plugin_settings.threshold</c>; the defaults are the seed's table.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        // 0 would stage everything, including signals from peers nobody trusts; the floor is just above it.
        Score("watchlist_at", Default.WatchlistAt, "lowest weighted score (trust x confidence) that is staged at all: watchlisted, logged, not blocked"),
        Score("block_short_at", Default.BlockShortAt, "lowest weighted score blocked for block_short_ttl_secs"),
        Score("block_full_at", Default.BlockFullAt, "lowest weighted score blocked for block_full_ttl_secs"),
        Ttl("watchlist_ttl_secs", Default.WatchlistTtl, "how long a watchlisted address is kept, in seconds"),
        Ttl("block_short_ttl_secs", Default.BlockShortTtl, "TTL of a short block, in seconds"),
        Ttl("block_full_ttl_secs", Default.BlockFullTtl, "TTL of a full block (and of a confirmed one), in seconds"),
        // A fresh identity starts at 0.1 and costs nothing to make: below the floor, a thousand of them add up to nothing.
        PluginSettingDefinition.Number("corroboration_trust_floor", Default.TrustFloor, 0, 1,
            "signers trusted less than this have no vote when reports of one address from several signers combine"),
        PluginSettingDefinition.WholeNumber("max_remembered", Default.MaxRemembered, 0, 10_000_000,
            "discarded signals remembered so a later local detection still credits their sender"),
    ];

    /// <summary>The rule across keys: the bands must not cross (equal thresholds are allowed: they remove a band).</summary>
    public static IReadOnlyList<PluginSettingProblem> Check(PluginSettingValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var (watch, shortAt, fullAt) = (values.GetNumber("watchlist_at"), values.GetNumber("block_short_at"), values.GetNumber("block_full_at"));
        if (watch <= shortAt && shortAt <= fullAt)
        {
            return [];
        }
        // Named at the key the operator set (the others kept their defaults), so the position points at the change.
        var key = BandKeys.FirstOrDefault(values.IsSet) ?? "";
        return [new PluginSettingProblem(key,
            "thresholds must satisfy watchlist_at <= block_short_at <= block_full_at, got "
            + $"{watch.ToString(CultureInfo.InvariantCulture)}, {shortAt.ToString(CultureInfo.InvariantCulture)}, {fullAt.ToString(CultureInfo.InvariantCulture)}")];
    }

    /// <summary>Reads the plugin's settings over the defaults; a bad value throws naming the setting and the value.</summary>
    public static ThresholdOptions Parse(string pluginName, IReadOnlyDictionary<string, string> settings, int maxStaged)
    {
        if (maxStaged < 1)
        {
            throw new ArgumentException($"max_staged: '{maxStaged.ToString(CultureInfo.InvariantCulture)}' must be at least 1", nameof(maxStaged));
        }
        var values = PluginSettingValues.Parse(pluginName, Definitions, settings, Check);
        return Default with
        {
            WatchlistAt = values.GetNumber("watchlist_at"),
            BlockShortAt = values.GetNumber("block_short_at"),
            BlockFullAt = values.GetNumber("block_full_at"),
            WatchlistTtl = TimeSpan.FromSeconds(values.GetWholeNumber("watchlist_ttl_secs")),
            BlockShortTtl = TimeSpan.FromSeconds(values.GetWholeNumber("block_short_ttl_secs")),
            BlockFullTtl = TimeSpan.FromSeconds(values.GetWholeNumber("block_full_ttl_secs")),
            MaxStaged = maxStaged,
            MaxRemembered = (int)values.GetWholeNumber("max_remembered"),
            TrustFloor = values.GetNumber("corroboration_trust_floor"),
        };
    }

    private static PluginSettingDefinition Score(string name, double fallback, string doc) =>
        PluginSettingDefinition.Number(name, fallback, 0, 1, doc) with { MinExclusive = true };

    private static PluginSettingDefinition Ttl(string name, TimeSpan fallback, string doc) =>
        PluginSettingDefinition.WholeNumber(name, (long)fallback.TotalSeconds, 1, MaxTtlSecs, doc);
}

using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>
/// The pool's bookkeeping around one entry: who contributed and who was already credited. The entry itself is
/// an immutable record handed out as is; a slot must leave the pool's sorted indexes before its entry changes.
/// </summary>
internal sealed class StagedSlot(StagedEntry entry, long sequence)
{
    private StagedEntry _entry = entry;
    // The entry's sort keys, kept on the slot: the sorted indexes compare them at every level of every insert
    // and removal, and reading them here saves a pointer hop (a likely cache miss) each time.
    private DateTimeOffset _expiresAt = entry.ExpiresAt;
    private int _rank = Rank(entry.Action);
    private double _score = entry.Score;

    public StagedEntry Entry
    {
        get => _entry;
        set
        {
            _entry = value;
            _expiresAt = value.ExpiresAt;
            _rank = Rank(value.Action);
            _score = value.Score;
        }
    }

    /// <summary>Unique per slot: the last tie-breaker so that sorted indexes never see two slots as equal.</summary>
    public long Sequence { get; } = sequence;

    // Sets only where they pay: most entries have one or two contributors and are never confirmed, and a flood of
    // distinct addresses keeps thousands of slots alive, so two empty-ish hash sets each cost more than the entry.
    private const int ScanLimit = 8;
    private HashSet<string>? _contributors;
    private HashSet<string>? _credited = entry.Confirmed ? new(entry.Contributors, StringComparer.Ordinal) : null;

    /// <summary>True when <paramref name="nodeId"/> is not yet among the entry's contributors (the caller then adds it to the entry).</summary>
    public bool IsNewContributor(string nodeId)
    {
        var listed = Entry.Contributors;
        if (_contributors is null && listed.Count < ScanLimit)
        {
            for (int i = 0; i < listed.Count; i++)
            {
                if (string.Equals(listed[i], nodeId, StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }
        _contributors ??= new HashSet<string>(listed, StringComparer.Ordinal);
        return _contributors.Add(nodeId);
    }

    /// <summary>Marks a contributor credited by a confirmation; false when it already was (it must not be credited twice).</summary>
    public bool MarkCredited(string nodeId) => (_credited ??= new HashSet<string>(StringComparer.Ordinal)).Add(nodeId);

    /// <summary>Least valuable first: the first candidate for eviction.</summary>
    public static IComparer<StagedSlot> ByValue { get; } = Comparer<StagedSlot>.Create((x, y) =>
    {
        var c = CompareValue(x._rank, x._score, x._expiresAt, y._rank, y._score, y._expiresAt);
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    });

    /// <summary>Soonest expiry first.</summary>
    public static IComparer<StagedSlot> ByExpiry { get; } = Comparer<StagedSlot>.Create((x, y) =>
    {
        var c = x._expiresAt.CompareTo(y._expiresAt);
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    });

    /// <summary>
    /// How much keeping an entry is worth: the action first (a full block always outranks a short block, which
    /// outranks a watchlist entry), then the score, then the later expiry.
    /// </summary>
    public static int CompareValue(StagedEntry x, StagedEntry y) =>
        CompareValue(Rank(x.Action), x.Score, x.ExpiresAt, Rank(y.Action), y.Score, y.ExpiresAt);

    private static int CompareValue(int xRank, double xScore, DateTimeOffset xExpires, int yRank, double yScore, DateTimeOffset yExpires)
    {
        var c = xRank.CompareTo(yRank);
        if (c == 0)
        {
            c = xScore.CompareTo(yScore);
        }
        return c != 0 ? c : xExpires.CompareTo(yExpires);
    }

    public static int Rank(SignalAction action) => action switch
    {
        SignalAction.BlockedFull => 3,
        SignalAction.BlockedShortTtl => 2,
        SignalAction.Watchlisted => 1,
        _ => 0,
    };
}

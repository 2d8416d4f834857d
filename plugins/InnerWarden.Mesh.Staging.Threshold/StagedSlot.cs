using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>
/// The pool's bookkeeping around one entry: who contributed and who was already credited. The entry itself is
/// an immutable record handed out as is; a new entry makes the slot's places in the pool's heaps stale, so the
/// pool pushes it again under its new keys.
/// </summary>
internal sealed class StagedSlot(StagedEntry entry, long sequence) : HeapItem
{
    private StagedEntry _entry = entry;

    /// <summary>The entry; setting it invalidates the slot's places in the pool's heaps (it must be pushed again).</summary>
    public StagedEntry Entry
    {
        get => _entry;
        set
        {
            _entry = value;
            Invalidate();
        }
    }

    /// <summary>Order of the pool's expiry heap: soonest first.</summary>
    public (DateTimeOffset ExpiresAt, long Sequence) ExpiryKey => (_entry.ExpiresAt, Sequence);

    /// <summary>Order of the pool's eviction heap: least valuable first (see <see cref="ValueOf"/>).</summary>
    public ((int Rank, double Score, DateTimeOffset ExpiresAt) Value, long Sequence) ValueKey => (ValueOf(_entry), Sequence);

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

    /// <summary>
    /// How much keeping an entry is worth, compared in this order: the action first (a full block always outranks a
    /// short block, which outranks a watchlist entry), then the score, then the later expiry.
    /// </summary>
    public static (int Rank, double Score, DateTimeOffset ExpiresAt) ValueOf(StagedEntry entry) => (Rank(entry.Action), entry.Score, entry.ExpiresAt);

    /// <summary>Orders two entries by <see cref="ValueOf"/>: below zero when <paramref name="x"/> is worth less.</summary>
    public static int CompareValue(StagedEntry x, StagedEntry y) => ValueOf(x).CompareTo(ValueOf(y));

    public static int Rank(SignalAction action) => action switch
    {
        SignalAction.BlockedFull => 3,
        SignalAction.BlockedShortTtl => 2,
        SignalAction.Watchlisted => 1,
        _ => 0,
    };
}

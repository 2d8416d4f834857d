using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>
/// The seed's table (discard / watchlist 2h / short block 1h / full block 24h) with aggregation per address:
/// the best score stands and every contributing peer is recorded once. Bounded by <c>max_staged</c>: when
/// full, the least valuable entry goes, and a newcomer worth less than everything staged is the one dropped.
/// </summary>
/// <remarks>
/// Not thread-safe on purpose: the host's staging coordinator serialises every call under its own lock
/// (it must update the pool, trust and the firewall plan as one step anyway), so a second lock here would only
/// cost. Any single thread at a time may call it.
/// Indexes: a dictionary by address, a heap by expiry (Expire is O(k log n) for k expired) and a heap by value
/// (eviction is O(log n) even when the pool sits full at its bound); see <see cref="LazyMinHeap{TItem, TKey}"/>.
/// </remarks>
internal sealed class ThresholdStagingPool : IStagingPool
{
    // The answer for a discarded report about an address not staged: a flood of them needs no object each.
    private static readonly StageResult NothingStaged = new(SignalAction.Discarded, null, null, null);

    private readonly ThresholdOptions _options;
    private readonly Dictionary<IPAddress, StagedSlot> _slots = [];
    private readonly LazyMinHeap<StagedSlot, (DateTimeOffset, long)> _byExpiry = new(Comparer<(DateTimeOffset, long)>.Default);
    private readonly LazyMinHeap<StagedSlot, ((int, double, DateTimeOffset), long)> _byValue = new(Comparer<((int, double, DateTimeOffset), long)>.Default);
    private readonly RememberedSignals _remembered;
    private long _sequence;

    public ThresholdStagingPool(ThresholdOptions options)
    {
        _options = options;
        _remembered = new RememberedSignals(options.MaxRemembered);
    }

    public int Count => _slots.Count;

    /// <summary>
    /// In no particular order: the node snapshots this under its staging lock for every state save, so it is a
    /// plain copy (a sort here held every pipeline thread up for as long as it took).
    /// </summary>
    public IReadOnlyList<StagedEntry> Entries => _slots.Values.Select(s => s.Entry).ToList();

    public IReadOnlyList<RememberedSignal> Remembered => _remembered.All;

    public StagedEntry? Find(IPAddress ip) => _slots.TryGetValue(ip, out var slot) ? slot.Entry : null;

    public StageResult Stage(StageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The host computes scores; a non-finite one (a bug, or a corrupt reputation) weighs nothing.
        var score = double.IsFinite(request.Score) ? Math.Clamp(request.Score, 0, 1) : 0;
        var (action, ttl) = _options.Classify(score);
        _slots.TryGetValue(request.Ip, out var slot);
        var previous = slot?.Entry;

        var vote = VoteOf(request, score);
        if (slot is not null)
        {
            var votes = vote is null ? previous!.Votes : Corroboration.WithVote(previous!.Votes, vote);
            if (action == SignalAction.Discarded && ReferenceEquals(votes, previous.Votes))
            {
                // Too weak to act on and no vote that counts: remembered, so a later local detection credits the sender.
                Remember(request);
                return new StageResult(SignalAction.Discarded, previous, previous, null);
            }
            // Independent signers add up (Corroboration); one signer alone scores exactly its own report.
            var combined = Math.Max(score, Corroboration.Combine(votes, _options.CorroborationCap));
            var (combinedAction, combinedTtl) = _options.Classify(combined);
            var current = Aggregate(slot, request, combined, combinedAction, combinedTtl);
            if (!ReferenceEquals(votes, previous.Votes))
            {
                current = current with { Votes = votes };
            }
            if (!ReferenceEquals(current, slot.Entry))
            {
                Reindex(slot, current);
            }
            return new StageResult(current.Action, previous, current, null);
        }

        if (action == SignalAction.Discarded)
        {
            // Too weak to act on, but a later local detection must still be able to credit the sender.
            Remember(request);
            return NothingStaged;
        }

        var newcomer = new StagedSlot(
            new StagedEntry(
                request.Ip, action, score, request.Detector, request.Now, request.Now + ttl,
                request.Local ? [] : [request.Contributor], Confirmed: false, request.Local)
            { Votes = vote is null ? [] : [vote] },
            ++_sequence);
        StagedEntry? evicted = null;
        if (_slots.Count >= _options.MaxStaged)
        {
            _byValue.TryPeek(out var least); // Count >= MaxStaged >= 1, so there is a minimum.
            // Ties keep what is already staged: evicting an applied block to add an equal one is churn.
            if (StagedSlot.CompareValue(newcomer.Entry, least.Entry) <= 0)
            {
                Remember(request);
                return NothingStaged;
            }
            Remove(least);
            evicted = least.Entry;
        }
        Add(newcomer);
        return new StageResult(action, null, newcomer.Entry, evicted);
    }

    public ConfirmResult Confirm(IPAddress ip, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ip);
        var credited = new List<string>();
        StagedEntry? previous = null;
        StagedEntry? current = null;
        _slots.TryGetValue(ip, out var slot);
        if (slot is not null)
        {
            previous = slot.Entry;
            foreach (var contributor in previous.Contributors)
            {
                if (slot.MarkCredited(contributor))
                {
                    credited.Add(contributor);
                }
            }
            // Never shorten: an entry already running longer than the full TTL keeps its expiry.
            var expires = Max(previous.ExpiresAt, now + _options.BlockFullTtl);
            current = previous with { Action = SignalAction.BlockedFull, ExpiresAt = expires, Confirmed = true };
            Reindex(slot, current);
        }
        foreach (var sender in _remembered.Take(ip))
        {
            var fresh = slot is null ? !credited.Contains(sender, StringComparer.Ordinal) : slot.MarkCredited(sender);
            if (fresh)
            {
                credited.Add(sender);
            }
        }
        return new ConfirmResult(previous, current, credited);
    }

    public IReadOnlyList<StagedEntry> Expire(DateTimeOffset now)
    {
        var expired = new List<StagedEntry>();
        while (_byExpiry.TryPeek(out var soonest) && soonest.Entry.ExpiresAt <= now)
        {
            Remove(soonest);
            expired.Add(soonest.Entry);
        }
        _remembered.Expire(now);
        return expired;
    }

    /// <remarks>
    /// Entries of a confirmed address count as credited (their crediting happened before the restart). If more
    /// entries come back than <c>max_staged</c> allows (the bound was lowered), the least valuable are left out;
    /// the host reconciles the firewall with the pool after restoring, which reverts them.
    /// </remarks>
    public void Restore(IEnumerable<StagedEntry> entries, IEnumerable<RememberedSignal> remembered)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(remembered);
        _slots.Clear();
        _byExpiry.Clear();
        _byValue.Clear();
        _remembered.Clear();
        foreach (var entry in entries)
        {
            if (entry is null || StagedSlot.Rank(entry.Action) == 0)
            {
                continue; // not a staged action: nothing to keep
            }
            var clean = entry with { Contributors = [.. entry.Contributors.Distinct(StringComparer.Ordinal)] };
            if (_slots.TryGetValue(clean.Ip, out var twin))
            {
                if (StagedSlot.CompareValue(clean, twin.Entry) <= 0)
                {
                    continue;
                }
                Remove(twin);
            }
            Add(new StagedSlot(clean, ++_sequence));
        }
        while (_slots.Count > _options.MaxStaged && _byValue.TryPeek(out var least))
        {
            Remove(least);
        }
        foreach (var signal in remembered)
        {
            if (signal is not null)
            {
                _remembered.Remember(signal);
            }
        }
    }

    /// <summary>The entry after one more report: contributor recorded once, and a higher score upgrades it.</summary>
    private static StagedEntry Aggregate(StagedSlot slot, StageRequest request, double score, SignalAction action, TimeSpan ttl)
    {
        var entry = slot.Entry;
        var next = entry;
        // The node's own detection is marked on the entry, never listed: the host must not credit itself.
        if (!request.Local && slot.IsNewContributor(request.Contributor))
        {
            next = next with { Contributors = [.. entry.Contributors, request.Contributor] };
        }
        if (request.Local && !entry.Local)
        {
            next = next with { Local = true };
        }
        // The best score stands: a lower one never downgrades the action nor shortens the expiry.
        if (score > entry.Score)
        {
            next = next with
            {
                Score = score,
                Detector = request.Detector,
                Action = StagedSlot.Rank(action) > StagedSlot.Rank(entry.Action) ? action : entry.Action,
                ExpiresAt = Max(entry.ExpiresAt, request.Now + ttl),
            };
        }
        return next;
    }

    /// <summary>
    /// The report's vote for combining: none for this node's own detection (it stands by its score), for a signer below
    /// the trust floor (fresh identities are free to make) or for a score of 0.
    /// </summary>
    private StagedVote? VoteOf(StageRequest request, double score) =>
        request.Local || score <= 0 || !(request.SignerTrust >= _options.TrustFloor)
            ? null
            : new StagedVote(request.Contributor, request.Domain ?? request.Contributor, score);

    private void Remember(StageRequest request)
    {
        if (request.Local)
        {
            return; // only peers need crediting later
        }
        var ttl = request.SignalTtl < _options.MaxRememberTtl ? request.SignalTtl : _options.MaxRememberTtl;
        if (ttl > TimeSpan.Zero)
        {
            _remembered.Remember(request.Ip, request.Contributor, request.Now + ttl);
        }
    }

    private void Add(StagedSlot slot)
    {
        _slots[slot.Entry.Ip] = slot;
        Push(slot);
    }

    private void Remove(StagedSlot slot)
    {
        _slots.Remove(slot.Entry.Ip);
        slot.Invalidate();
        Compact();
    }

    /// <summary>A new entry for the slot: its old heap places go stale, it is pushed under the new keys.</summary>
    private void Reindex(StagedSlot slot, StagedEntry next)
    {
        slot.Entry = next;
        Push(slot);
        Compact();
    }

    private void Push(StagedSlot slot)
    {
        _byExpiry.Push(slot, slot.ExpiryKey);
        _byValue.Push(slot, slot.ValueKey);
    }

    private void Compact()
    {
        _byExpiry.Compact(_slots.Count, _slots.Values, s => s.ExpiryKey);
        _byValue.Compact(_slots.Count, _slots.Values, s => s.ValueKey);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}

using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>
/// A small real pool with the seed's table (discard &lt; 0.3; watchlist 2h; short block 1h; full block 24h),
/// standing in for the threshold plugin. Not thread-safe: the coordinator serialises calls.
/// </summary>
internal sealed class TestStagingPool(int maxStaged = 10_000) : IStagingPool
{
    private readonly Dictionary<IPAddress, StagedEntry> _entries = [];
    private readonly Dictionary<IPAddress, HashSet<string>> _credited = [];
    private readonly List<RememberedSignal> _remembered = [];

    public IReadOnlyList<StagedEntry> Entries => [.. _entries.Values];

    public IReadOnlyList<RememberedSignal> Remembered => [.. _remembered];

    public int Count => _entries.Count;

    public static (SignalAction Action, TimeSpan Ttl)? Classify(double score) => score switch
    {
        < 0.3 => null,
        < 0.6 => (SignalAction.Watchlisted, TimeSpan.FromHours(2)),
        < 0.8 => (SignalAction.BlockedShortTtl, TimeSpan.FromHours(1)),
        _ => (SignalAction.BlockedFull, TimeSpan.FromHours(24)),
    };

    /// <summary>The last request staged, as the pipeline built it.</summary>
    public StageRequest? LastRequest { get; private set; }

    public StageResult Stage(StageRequest request)
    {
        LastRequest = request;
        _entries.TryGetValue(request.Ip, out var previous);
        if (Classify(request.Score) is not { } decision)
        {
            if (!request.Local)
            {
                _remembered.Add(new RememberedSignal(request.Ip, request.Contributor, request.Now + request.SignalTtl));
            }
            return new StageResult(SignalAction.Discarded, previous, previous, null);
        }
        StagedEntry current;
        if (previous is null)
        {
            current = new StagedEntry(request.Ip, decision.Action, request.Score, request.Detector, request.Now,
                request.Now + decision.Ttl, [request.Contributor], false, request.Local);
        }
        else
        {
            bool better = request.Score > previous.Score;
            var contributors = previous.Contributors.Contains(request.Contributor)
                ? previous.Contributors
                : [.. previous.Contributors, request.Contributor];
            var expires = request.Now + decision.Ttl > previous.ExpiresAt ? request.Now + decision.Ttl : previous.ExpiresAt;
            current = previous with
            {
                Action = better && !previous.Confirmed ? decision.Action : previous.Action,
                Score = Math.Max(previous.Score, request.Score),
                Detector = better ? request.Detector : previous.Detector,
                ExpiresAt = expires,
                Contributors = contributors,
                Local = previous.Local || request.Local,
            };
        }
        _entries[request.Ip] = current;
        StagedEntry? evicted = null;
        if (_entries.Count > maxStaged)
        {
            foreach (var entry in _entries.Values)
            {
                if (!entry.Ip.Equals(request.Ip) && (evicted is null || entry.Score < evicted.Score))
                {
                    evicted = entry;
                }
            }
            if (evicted is not null)
            {
                _entries.Remove(evicted.Ip);
            }
        }
        return new StageResult(current.Action, previous, current, evicted);
    }

    public ConfirmResult Confirm(IPAddress ip, DateTimeOffset now)
    {
        var credited = new List<string>();
        for (int i = _remembered.Count - 1; i >= 0; i--)
        {
            if (_remembered[i].Ip.Equals(ip))
            {
                if (!credited.Contains(_remembered[i].NodeId))
                {
                    credited.Add(_remembered[i].NodeId);
                }
                _remembered.RemoveAt(i);
            }
        }
        if (!_entries.TryGetValue(ip, out var previous))
        {
            return new ConfirmResult(null, null, credited);
        }
        if (!_credited.TryGetValue(ip, out var done))
        {
            _credited[ip] = done = [];
        }
        foreach (var peer in previous.Contributors)
        {
            if (done.Add(peer) && !credited.Contains(peer))
            {
                credited.Add(peer);
            }
        }
        var current = previous with { Action = SignalAction.BlockedFull, ExpiresAt = now + TimeSpan.FromHours(24), Confirmed = true };
        _entries[ip] = current;
        return new ConfirmResult(previous, current, credited);
    }

    public IReadOnlyList<StagedEntry> Expire(DateTimeOffset now)
    {
        var expired = new List<StagedEntry>();
        foreach (var entry in _entries.Values)
        {
            if (entry.ExpiresAt <= now)
            {
                expired.Add(entry);
            }
        }
        foreach (var entry in expired)
        {
            _entries.Remove(entry.Ip);
            _credited.Remove(entry.Ip);
        }
        _remembered.RemoveAll(r => r.ExpiresAt <= now);
        return expired;
    }

    public StagedEntry? Find(IPAddress ip) => _entries.GetValueOrDefault(ip);

    public void Restore(IEnumerable<StagedEntry> entries, IEnumerable<RememberedSignal> remembered)
    {
        _entries.Clear();
        _credited.Clear();
        _remembered.Clear();
        foreach (var entry in entries)
        {
            _entries[entry.Ip] = entry;
        }
        _remembered.AddRange(remembered);
    }
}

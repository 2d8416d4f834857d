using InnerWarden.Mesh.Host.Trust;

namespace InnerWarden.Mesh.Host.Pipeline;

/// <summary>
/// Per signing identity, a sliding one-hour budget of signals; going over it quarantines the peer for an hour
/// (recorded in its reputation). State per peer is a ring of at most <c>maxPerHour</c> timestamps, and tracked
/// identities are bounded with the same eviction rule as the <see cref="ReputationBook"/>. Thread-safe.
/// </summary>
internal sealed class PeerRateLimiter
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public static readonly TimeSpan QuarantineDuration = TimeSpan.FromHours(1);

    private readonly ReputationBook _book;
    private readonly int _maxPerHour;
    private readonly BoundedPeerMap<PeerWindow> _windows;
    private readonly Lock _gate = new();

    public PeerRateLimiter(ReputationBook book, int maxPerHour, int capacity = ReputationBook.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerHour, 1);
        _book = book;
        _maxPerHour = maxPerHour;
        _windows = new BoundedPeerMap<PeerWindow>(capacity, (id, w) => book.RankOf(id, w.LastSeen));
    }

    public int TrackedCount
    {
        get
        {
            lock (_gate)
            {
                return _windows.Count;
            }
        }
    }

    /// <summary>Counts one signal of <paramref name="nodeId"/> at <paramref name="now"/> unless the peer is (or now becomes) quarantined.</summary>
    public RateDecision Check(string nodeId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_windows.TryGetValue(nodeId, out var window))
            {
                // A peer evicted here (or restored from disk) keeps a quarantine its reputation recorded.
                window = new PeerWindow(Math.Min(4, _maxPerHour)) { QuarantinedUntil = _book.Find(nodeId)?.QuarantinedUntil };
                _windows.Set(nodeId, window);
            }
            window.LastSeen = now;
            if (window.QuarantinedUntil is { } until && until > now)
            {
                return RateDecision.Quarantined;
            }
            window.DropOlderThan(now - Window);
            if (window.Count >= _maxPerHour)
            {
                var end = now + QuarantineDuration;
                window.QuarantinedUntil = end;
                window.Clear();
                _book.Quarantine(nodeId, end, now);
                return RateDecision.LimitExceeded;
            }
            window.Add(now, _maxPerHour);
            return RateDecision.Allowed;
        }
    }

    /// <summary>A ring buffer of the timestamps (UTC ticks) of a peer's counted signals, oldest first.</summary>
    private sealed class PeerWindow(int initialCapacity)
    {
        private long[] _ticks = new long[initialCapacity];
        private int _start;

        public int Count { get; private set; }

        public DateTimeOffset LastSeen { get; set; }

        public DateTimeOffset? QuarantinedUntil { get; set; }

        public void DropOlderThan(DateTimeOffset cutoff)
        {
            long limit = cutoff.UtcTicks;
            while (Count > 0 && _ticks[_start] <= limit)
            {
                _start = (_start + 1) % _ticks.Length;
                Count--;
            }
        }

        public void Add(DateTimeOffset at, int max)
        {
            if (Count == _ticks.Length)
            {
                Grow(Math.Min(max, _ticks.Length * 2));
            }
            _ticks[(_start + Count) % _ticks.Length] = at.UtcTicks;
            Count++;
        }

        public void Clear()
        {
            _start = 0;
            Count = 0;
        }

        private void Grow(int size)
        {
            var bigger = new long[Math.Max(size, _ticks.Length + 1)];
            for (int i = 0; i < Count; i++)
            {
                bigger[i] = _ticks[(_start + i) % _ticks.Length];
            }
            _ticks = bigger;
            _start = 0;
        }
    }
}

using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Detectors.Sshd.Parsing;

namespace InnerWarden.Mesh.Detectors.Sshd.Counting;

/// <summary>
/// Counts authentication failures per source address in a sliding window and decides when they become a
/// detection. Single-threaded (one log reader feeds it). Memory is bounded: at most <c>maxTrackedIps</c> addresses,
/// the least recently seen evicted first, and at most <see cref="MaxCountedPerIp"/> timestamps per address.
/// </summary>
/// <remarks>
/// Counting rules (the README has the table): a credential failure (<c>Failed password ...</c>) counts once; a
/// connection that failed before authentication (invalid user, preauth close, timeout, negotiation failure)
/// counts once unless a credential failure on the same connection (address + port) was already counted, so a
/// connection contributes max(1, credential failures). Lines that sshd always writes beside a counted one (PAM's
/// and "not allowed because") and successful logins never count.
/// </remarks>
internal sealed class FailureWindow
{
    /// <summary>Beyond this many failures in the window the confidence is already at its ceiling.</summary>
    public const int MaxCountedPerIp = 256;

    /// <summary>Confidence at the threshold.</summary>
    public const double FloorConfidence = 0.6;

    /// <summary>Confidence approached as the count grows.</summary>
    public const double CeilingConfidence = 0.99;

    private const int EvidenceLines = 5;
    private const int TrackedConnections = 4;

    private readonly int _maxFailures;
    private readonly double _floorConfidence;
    private readonly long _windowTicks;
    private readonly int _maxTrackedIps;
    private readonly Dictionary<IPAddress, Entry> _entries = new();
    // Least recently seen last: the next to evict.
    private readonly LinkedList<Entry> _recency = new();

    public FailureWindow(int maxFailures, TimeSpan window, int maxTrackedIps = 100_000, double floorConfidence = FloorConfidence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(floorConfidence, 0.05);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(floorConfidence, CeilingConfidence);
        _floorConfidence = floorConfidence;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFailures, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFailures, MaxCountedPerIp);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrackedIps, 1);
        _maxFailures = maxFailures;
        _windowTicks = window.Ticks;
        _maxTrackedIps = maxTrackedIps;
    }

    /// <summary>How many addresses are being tracked.</summary>
    public int TrackedCount => _entries.Count;

    /// <summary>
    /// Confidence for <paramref name="count"/> failures against threshold <paramref name="threshold"/>:
    /// 0.99 - 0.39 * 2^(-(count - threshold) / threshold). 0.6 at the threshold; the distance to 0.99 halves with every
    /// further <paramref name="threshold"/> failures (5 -> 0.60, 10 -> 0.80, 15 -> 0.89, 20 -> 0.94 with the default 5).
    /// <paramref name="floor"/> (setting <c>base_confidence</c>) replaces 0.6 as the confidence at the threshold.
    /// </summary>
    public static float ConfidenceFor(int count, int threshold, double floor = FloorConfidence)
    {
        if (count < threshold)
        {
            return 0f;
        }
        var value = CeilingConfidence - ((CeilingConfidence - floor) * Math.Pow(2, -(double)(count - threshold) / threshold));
        return (float)Math.Round(value, 4);
    }

    /// <summary>Records one parsed line seen at <paramref name="now"/>.</summary>
    /// <returns>A detection when the address crossed the threshold, a window passed since its last one, or its confidence rose a band (0.1).</returns>
    public Detection? Record(in SshdEvent parsed, string line, DateTimeOffset now)
    {
        if (parsed.Kind is not (SshdEventKind.CredentialFailure or SshdEventKind.ConnectionFailure))
        {
            return null;
        }
        var nowTicks = now.UtcTicks;
        EvictStale(nowTicks);
        var entry = Touch(parsed.Ip, nowTicks);
        entry.DropOlderThan(nowTicks - _windowTicks);
        entry.AddEvidence(line);
        var delta = entry.CountableDelta(parsed);
        for (var i = 0; i < delta; i++)
        {
            entry.AddTime(nowTicks);
        }

        var count = entry.Count;
        if (count < _maxFailures)
        {
            return null;
        }
        var confidence = ConfidenceFor(count, _maxFailures, _floorConfidence);
        var band = (int)(confidence * 10);
        var due = entry.LastEmitTicks is not { } last || nowTicks - last >= _windowTicks || band > entry.LastBand;
        if (!due)
        {
            return null;
        }
        entry.LastEmitTicks = nowTicks;
        entry.LastBand = band;
        return new Detection(parsed.Ip, SshdDetectorNames.BruteForce, confidence, entry.Evidence(), now);
    }

    private Entry Touch(IPAddress ip, long nowTicks)
    {
        if (_entries.TryGetValue(ip, out var entry))
        {
            _recency.Remove(entry.Node);
            _recency.AddFirst(entry.Node);
        }
        else
        {
            if (_entries.Count >= _maxTrackedIps && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Ip);
            }
            entry = new Entry(ip);
            _entries.Add(ip, entry);
            _recency.AddFirst(entry.Node);
        }
        entry.LastSeenTicks = nowTicks;
        return entry;
    }

    // An address silent for a whole window has nothing left to count and no emission to hold back.
    private void EvictStale(long nowTicks)
    {
        while (_recency.Last is { } oldest && nowTicks - oldest.Value.LastSeenTicks >= _windowTicks)
        {
            _recency.RemoveLast();
            _entries.Remove(oldest.Value.Ip);
        }
    }

    private sealed class Entry
    {
        private long[] _times = new long[8];
        private int _timesStart;
        private readonly string[] _evidence = new string[EvidenceLines];
        private int _evidenceNext;
        private int _evidenceCount;
        private readonly (int Port, int Attempts, int Counted)[] _connections = new (int, int, int)[TrackedConnections];
        private int _connectionNext;

        public Entry(IPAddress ip)
        {
            Ip = ip;
            Node = new LinkedListNode<Entry>(this);
            for (var i = 0; i < _connections.Length; i++)
            {
                _connections[i].Port = -1;
            }
        }

        public IPAddress Ip { get; }

        public LinkedListNode<Entry> Node { get; }

        public long LastSeenTicks { get; set; }

        public long? LastEmitTicks { get; set; }

        public int LastBand { get; set; }

        public int Count { get; private set; }

        public void AddTime(long ticks)
        {
            if (Count == MaxCountedPerIp)
            {
                // Saturated: slide the window forward instead of growing.
                _timesStart = (_timesStart + 1) % _times.Length;
                Count--;
            }
            else if (Count == _times.Length)
            {
                var grown = new long[Math.Min(_times.Length * 2, MaxCountedPerIp)];
                for (var i = 0; i < Count; i++)
                {
                    grown[i] = _times[(_timesStart + i) % _times.Length];
                }
                _times = grown;
                _timesStart = 0;
            }
            _times[(_timesStart + Count) % _times.Length] = ticks;
            Count++;
        }

        public void DropOlderThan(long cutoffTicks)
        {
            while (Count > 0 && _times[_timesStart] <= cutoffTicks)
            {
                _timesStart = (_timesStart + 1) % _times.Length;
                Count--;
            }
        }

        // A connection contributes max(1, credential failures): see the class remarks.
        public int CountableDelta(in SshdEvent parsed)
        {
            if (parsed.Port < 0)
            {
                return 1;
            }
            var slot = -1;
            for (var i = 0; i < _connections.Length; i++)
            {
                if (_connections[i].Port == parsed.Port)
                {
                    slot = i;
                    break;
                }
            }
            if (slot < 0)
            {
                slot = _connectionNext;
                _connectionNext = (_connectionNext + 1) % _connections.Length;
                _connections[slot] = (parsed.Port, 0, 0);
            }
            ref var connection = ref _connections[slot];
            if (parsed.Kind == SshdEventKind.CredentialFailure)
            {
                connection.Attempts++;
            }
            var target = Math.Max(1, connection.Attempts);
            var delta = target - connection.Counted;
            connection.Counted = target;
            return Math.Max(0, delta);
        }

        public void AddEvidence(string line)
        {
            _evidence[_evidenceNext] = line;
            _evidenceNext = (_evidenceNext + 1) % _evidence.Length;
            _evidenceCount = Math.Min(_evidenceCount + 1, _evidence.Length);
        }

        public string Evidence()
        {
            var first = (_evidenceNext - _evidenceCount + _evidence.Length) % _evidence.Length;
            var lines = new string[_evidenceCount];
            for (var i = 0; i < _evidenceCount; i++)
            {
                lines[i] = _evidence[(first + i) % _evidence.Length];
            }
            return string.Join('\n', lines);
        }
    }
}

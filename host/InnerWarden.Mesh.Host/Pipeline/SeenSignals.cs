using System.Buffers.Binary;

namespace InnerWarden.Mesh.Host.Pipeline;

/// <summary>
/// Signatures of signals already accepted for processing, each kept for the acceptance window so a replay is
/// answered as a duplicate. Two partitions, each bounded on its own by <see cref="Capacity"/> (the
/// <c>max_seen_signals</c> key): signers this node knows (vouched by the operator, or confirmed at least once, and not
/// quarantined) and everyone else. Fresh identities cost nothing to make, so a flood of them fills only the unknown
/// partition, evicting its oldest first; a known signer's entries are evicted only by known signers, whose intake the
/// rate limit bounds (at most 2 x (<c>max_signals_per_hour</c> + 1) entries each: the 65 minute window spans parts of
/// two sliding hours, each allows its budget plus the one signal that goes over it, and a quarantined signer's signals
/// go to the unknown partition). A replay evicted from the
/// unknown partition is accepted again only while its timestamp is fresh; after that freshness refuses it.
/// </summary>
/// <remarks>
/// Bounds: memory at most 2 x <see cref="Capacity"/> entries of 90 bytes each, measured with the map's and queue's
/// growth slack (the first 128 bits of the signature, its expiry): 36 MB at the default 200,000. Another signer cannot
/// craft a valid signature that collides with a given one's first 128 bits. The state store persists every entry with
/// its partition and keeps each partition under 1.0625 x <see cref="Capacity"/> rows on disk
/// (<see cref="Persistence.StateStore"/>), so a replay after a restart, clean or <c>kill -9</c>, is still refused.
/// </remarks>
internal sealed class SeenSignals
{
    /// <summary>How long a signature is remembered: the 1 h freshness limit plus the 5 min allowed clock skew.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(65);

    /// <summary>Entries per partition by default: 200,000 x 90 bytes, 18 MB each at most.</summary>
    public const int DefaultCapacity = 200_000;

    private readonly Partition _known;
    private readonly Partition _unknown;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public SeenSignals(TimeProvider time, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Capacity = capacity;
        _known = new Partition(capacity);
        _unknown = new Partition(capacity);
    }

    /// <summary>Entries each partition holds at most.</summary>
    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _known.Count + _unknown.Count;
            }
        }
    }

    /// <summary>Entries of known signers (the rest are <see cref="Count"/> minus these).</summary>
    public int KnownCount
    {
        get
        {
            lock (_gate)
            {
                return _known.Count;
            }
        }
    }

    /// <summary>True when the signature was recorded within the window.</summary>
    public bool Contains(string signature) => TryKey(signature, out var key) && Contains(key, _time.GetUtcNow());

    /// <summary><see cref="Contains(string)"/> for a decoded signature, at the caller's <paramref name="now"/>.</summary>
    public bool Contains(ReadOnlySpan<byte> signature, DateTimeOffset now) => signature.Length >= 16 && Contains(KeyOf(signature), now);

    /// <summary>
    /// Records a verified signature in the partition of its signer; false when it was already there (a concurrent copy
    /// won the race). Text that is not base64 cannot have verified, so there is nothing to remember and it counts as added.
    /// </summary>
    public bool TryAdd(string signature, bool known = false) => !TryKey(signature, out var key) || TryAdd(key, _time.GetUtcNow(), known);

    /// <summary><see cref="TryAdd(string, bool)"/> for a decoded signature, at the caller's <paramref name="now"/>.</summary>
    public bool TryAdd(ReadOnlySpan<byte> signature, DateTimeOffset now, bool known = false) => signature.Length < 16 || TryAdd(KeyOf(signature), now, known);

    /// <summary>
    /// Loads the replay set persisted by the state store (oldest first) at start, each entry into its partition, so a
    /// replay sent after a restart is still a duplicate. Entries keep their original expiry.
    /// </summary>
    public void Restore(IEnumerable<(UInt128 Key, DateTimeOffset Until, bool Known)> seen, DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var (key, until, known) in seen)
            {
                if (until > now)
                {
                    (known ? _known : _unknown).Add(key, until);
                }
            }
        }
    }

    private bool Contains(UInt128 key, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _known.Contains(key, now) || _unknown.Contains(key, now);
        }
    }

    private bool TryAdd(UInt128 key, DateTimeOffset now, bool known)
    {
        lock (_gate)
        {
            _known.Purge(now);
            _unknown.Purge(now);
            if (_known.Contains(key, now) || _unknown.Contains(key, now))
            {
                return false;
            }
            (known ? _known : _unknown).Add(key, now + Window);
            return true;
        }
    }

    private static bool TryKey(string signature, out UInt128 key)
    {
        Span<byte> bytes = stackalloc byte[96];
        if (signature.Length > 128 || !Convert.TryFromBase64String(signature, bytes, out int written) || written < 16)
        {
            key = default;
            return false;
        }
        key = KeyOf(bytes);
        return true;
    }

    private static UInt128 KeyOf(ReadOnlySpan<byte> signature) => BinaryPrimitives.ReadUInt128LittleEndian(signature);

    /// <summary>One bounded set of signatures with their expiry (callers hold the owner's lock).</summary>
    private sealed class Partition(int capacity)
    {
        // Keys as two ulongs and expiry as UTC ticks: UInt128 is 16-byte aligned and DateTimeOffset 16 bytes, which pad a
        // map entry to 48 bytes and a queue slot to 32; these are 32 and 24.
        private readonly Dictionary<Key, long> _expiry = [];
        // Insertion order equals expiry order because the window is constant: the head is always the oldest.
        private readonly Queue<(Key Key, long Expires)> _order = new();

        public int Count => _expiry.Count;

        public bool Contains(UInt128 key, DateTimeOffset now) => _expiry.TryGetValue(new Key(key), out long expires) && expires > now.UtcTicks;

        public void Add(UInt128 signature, DateTimeOffset until)
        {
            while (_expiry.Count >= capacity && _order.TryDequeue(out var oldest))
            {
                _expiry.Remove(oldest.Key);
            }
            var key = new Key(signature);
            _expiry[key] = until.UtcTicks;
            _order.Enqueue((key, until.UtcTicks));
        }

        public void Purge(DateTimeOffset now)
        {
            long ticks = now.UtcTicks;
            while (_order.TryPeek(out var head) && head.Expires <= ticks)
            {
                _order.Dequeue();
                // Only remove when the map still holds this very record (it may have been re-added after expiry).
                if (_expiry.TryGetValue(head.Key, out long current) && current == head.Expires)
                {
                    _expiry.Remove(head.Key);
                }
            }
        }

        private readonly record struct Key(ulong Low, ulong High)
        {
            public Key(UInt128 value)
                : this((ulong)value, (ulong)(value >> 64))
            {
            }
        }
    }
}

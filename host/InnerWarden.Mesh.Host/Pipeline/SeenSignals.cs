using System.Buffers.Binary;

namespace InnerWarden.Mesh.Host.Pipeline;

/// <summary>
/// Signatures of signals already accepted for processing, each kept for the acceptance window so a replay is
/// answered as a duplicate. Bounded: past <see cref="Capacity"/> the oldest are forgotten first (a forgotten
/// replay is still refused by freshness once its timestamp is over an hour old). Each signature is kept as its
/// first 128 bits: about 80 bytes an entry instead of an 88-character string, and another signer cannot craft
/// a valid signature that collides with a given one.
/// </summary>
internal sealed class SeenSignals
{
    /// <summary>How long a signature is remembered: the 1 h freshness limit plus the 5 min allowed clock skew.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(65);

    private readonly Dictionary<UInt128, DateTimeOffset> _expiry;
    // Insertion order equals expiry order because the window is constant: the head is always the oldest.
    private readonly Queue<(UInt128 Key, DateTimeOffset Expires)> _order = new();
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public SeenSignals(TimeProvider time, int capacity = 200_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Capacity = capacity;
        _expiry = [];
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _expiry.Count;
            }
        }
    }

    /// <summary>True when the signature was recorded within the window.</summary>
    public bool Contains(string signature) => TryKey(signature, out var key) && Contains(key, _time.GetUtcNow());

    /// <summary><see cref="Contains(string)"/> for a decoded signature, at the caller's <paramref name="now"/>.</summary>
    public bool Contains(ReadOnlySpan<byte> signature, DateTimeOffset now) => signature.Length >= 16 && Contains(KeyOf(signature), now);

    /// <summary>
    /// Records a verified signature; false when it was already there (a concurrent copy won the race). Text that is
    /// not base64 cannot have verified, so there is nothing to remember and it counts as added.
    /// </summary>
    public bool TryAdd(string signature) => !TryKey(signature, out var key) || TryAdd(key, _time.GetUtcNow());

    /// <summary><see cref="TryAdd(string)"/> for a decoded signature, at the caller's <paramref name="now"/>.</summary>
    public bool TryAdd(ReadOnlySpan<byte> signature, DateTimeOffset now) => signature.Length < 16 || TryAdd(KeyOf(signature), now);

    /// <summary>
    /// Loads the replay set persisted by the state store (oldest first) at start, so a replay sent after a restart
    /// is still a duplicate. Entries keep their original expiry.
    /// </summary>
    public void Restore(IEnumerable<(UInt128 Key, DateTimeOffset Until)> seen, DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var (key, until) in seen)
            {
                if (until <= now)
                {
                    continue;
                }
                while (_expiry.Count >= Capacity && _order.TryDequeue(out var oldest))
                {
                    _expiry.Remove(oldest.Key);
                }
                _expiry[key] = until;
                _order.Enqueue((key, until));
            }
        }
    }

    private bool Contains(UInt128 key, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _expiry.TryGetValue(key, out var expires) && expires > now;
        }
    }

    private bool TryAdd(UInt128 key, DateTimeOffset now)
    {
        lock (_gate)
        {
            Purge(now);
            if (_expiry.TryGetValue(key, out var expires) && expires > now)
            {
                return false;
            }
            while (_expiry.Count >= Capacity && _order.TryDequeue(out var oldest))
            {
                _expiry.Remove(oldest.Key);
            }
            var until = now + Window;
            _expiry[key] = until;
            _order.Enqueue((key, until));
            return true;
        }
    }

    private void Purge(DateTimeOffset now)
    {
        while (_order.TryPeek(out var head) && head.Expires <= now)
        {
            _order.Dequeue();
            // Only remove when the map still holds this very record (it may have been re-added after expiry).
            if (_expiry.TryGetValue(head.Key, out var current) && current == head.Expires)
            {
                _expiry.Remove(head.Key);
            }
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
}

using System.Net;
using System.Security.Cryptography;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.Transport.Common.Wire;
using NSec.Cryptography;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// Valid, distinct signals from a fixed set of signing identities, signed in parallel with the host's own
/// <see cref="SignalSigner"/>. Signal <c>i</c> is signed by identity <c>i % identities</c> and names a public
/// address derived from <c>i</c>, so no two signals share a signature (dedup never hides one).
/// </summary>
internal sealed class SignalFactory : IDisposable
{
    /// <summary>
    /// Most signing keys kept alive at once. NSec keeps each private key in sodium_malloc'd memory (guard pages: a
    /// few memory mappings per key), and a process has only ~65,530 mappings; beyond this, keys are derived per chunk.
    /// </summary>
    public const int MaxLiveKeys = 10_000;

    private readonly int _identities;
    private readonly NodeIdentity[]? _kept;
    private readonly PublicKey[]? _publicKeys;

    public SignalFactory(int identities, int threads)
    {
        _identities = identities;
        if (identities <= MaxLiveKeys)
        {
            _kept = Create(0, identities, threads);
            _publicKeys = [.. _kept.Select(id => PublicKey.Import(SignatureAlgorithm.Ed25519, id.PublicKey, KeyBlobFormat.RawPublicKey))];
        }
    }

    public int Identities => _identities;

    /// <summary>The node ids of identities 0 .. count-1.</summary>
    public IReadOnlyList<string> NodeIds(int count)
    {
        count = Math.Min(count, _identities);
        if (_kept is not null)
        {
            return [.. _kept.Take(count).Select(id => id.NodeId)];
        }
        var made = Create(0, count, 1);
        var ids = made.Select(id => id.NodeId).ToList();
        Array.ForEach(made, id => id.Dispose());
        return ids;
    }

    /// <summary>The imported public key of the identity that signs signal <paramref name="index"/> (kept keys only).</summary>
    public PublicKey PublicKeyFor(long index) =>
        (_publicKeys ?? throw new InvalidOperationException($"public keys are kept for at most {MaxLiveKeys} identities"))[index % _identities];

    /// <summary>
    /// Signals <paramref name="first"/> .. first+count-1, stamped now, signed on <paramref name="threads"/> threads.
    /// With more identities than <see cref="MaxLiveKeys"/>, pass at most that many signals per call.
    /// </summary>
    public ThreatSignal[] Sign(long first, int count, int threads)
    {
        var signals = new ThreatSignal[count];
        var now = SignalTimestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var keys = _kept;
        int offset = 0;
        if (keys is null)
        {
            // Consecutive signals use consecutive identities (mod K): derive just the ones this chunk needs.
            if (count > MaxLiveKeys)
            {
                throw new ArgumentOutOfRangeException(nameof(count), $"at most {MaxLiveKeys} signals per call with {_identities} identities");
            }
            offset = (int)(first % _identities);
            keys = Create(offset, Math.Min(count, _identities), threads, wrapAt: _identities);
        }
        try
        {
            Partitioned.Run(threads, count, (from, to) =>
            {
                for (int i = from; i < to; i++)
                {
                    long index = first + i;
                    int identity = (int)(index % _identities);
                    var key = keys[_kept is null ? (identity - offset + _identities) % _identities : identity];
                    var signer = new SignalSigner(key, TimeProvider.System);
                    signals[i] = signer.Create(AddressOf(index).ToString(), "ssh_bruteforce", 0.9f, "bench evidence " + index, 3600, now);
                }
            });
        }
        finally
        {
            if (_kept is null)
            {
                Array.ForEach(keys, id => id.Dispose());
            }
        }
        return signals;
    }

    /// <summary>Identities first .. first+count-1 (mod <paramref name="wrapAt"/>), each from a seed derived from its number.</summary>
    private static NodeIdentity[] Create(int first, int count, int threads, int wrapAt = int.MaxValue)
    {
        var made = new NodeIdentity[count];
        Partitioned.Run(threads, count, (from, to) =>
        {
            Span<byte> seed = stackalloc byte[NodeIdentity.SeedLength];
            for (int i = from; i < to; i++)
            {
                seed.Clear();
                BitConverter.TryWriteBytes(seed, (first + i) % wrapAt);
                seed[31] = 0xB7;
                made[i] = NodeIdentity.FromSeed(SHA256.HashData(seed));
            }
        });
        return made;
    }

    /// <summary>A public IPv4 address per index (20.0.0.1 upward; never private, loopback or reserved for 125M indexes).</summary>
    public static IPAddress AddressOf(long index) =>
        new([(byte)(20 + (index >> 22)), (byte)((index >> 14) & 255), (byte)((index >> 6) & 255), (byte)((index & 63) + 1)]);

    /// <summary>One signal as a MessagePack body, in the transport's own wire form.</summary>
    public static byte[] ToMessagePack(ThreatSignal signal) => MessagePackSignal.ToBytes(signal);

    /// <summary>Signals as a MessagePack batch body (an array of maps), in the transport's own wire form.</summary>
    public static byte[] ToMessagePack(ReadOnlySpan<ThreatSignal> signals) => MessagePackSignal.BatchToBytes(signals.ToArray());

    public void Dispose()
    {
        foreach (var identity in _kept ?? [])
        {
            identity.Dispose();
        }
    }
}

using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Signals;
using MessagePack;
using NSec.Cryptography;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// Valid, distinct signals from a fixed set of signing identities, signed in parallel with the host's own
/// <see cref="SignalSigner"/>. Signal <c>i</c> is signed by identity <c>i % identities</c> and names a public
/// address derived from <c>i</c>, so no two signals share a signature (dedup never hides one).
/// </summary>
internal sealed class SignalFactory : IDisposable
{
    private readonly NodeIdentity[] _identities;
    private readonly SignalSigner[] _signers;
    private readonly PublicKey[] _publicKeys;

    public SignalFactory(int identities, int threads)
    {
        _identities = new NodeIdentity[identities];
        Partitioned.Run(threads, identities, (from, to) =>
        {
            Span<byte> seed = stackalloc byte[NodeIdentity.SeedLength];
            for (int i = from; i < to; i++)
            {
                BitConverter.TryWriteBytes(seed, i);
                seed[31] = 0xB7;
                _identities[i] = NodeIdentity.FromSeed(SHA256.HashData(seed));
            }
        });
        _signers = [.. _identities.Select(id => new SignalSigner(id, TimeProvider.System))];
        _publicKeys = [.. _identities.Select(id => PublicKey.Import(SignatureAlgorithm.Ed25519, id.PublicKey, KeyBlobFormat.RawPublicKey))];
        NodeIds = [.. _identities.Select(id => id.NodeId)];
    }

    public int Identities => _identities.Length;

    public IReadOnlyList<string> NodeIds { get; }

    /// <summary>The imported public key of the identity that signs signal <paramref name="index"/>.</summary>
    public PublicKey PublicKeyFor(long index) => _publicKeys[index % _publicKeys.Length];

    /// <summary>Signals <paramref name="first"/> .. first+count-1, stamped now, signed on <paramref name="threads"/> threads.</summary>
    public ThreatSignal[] Sign(long first, int count, int threads)
    {
        var signals = new ThreatSignal[count];
        var now = SignalTimestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        Partitioned.Run(threads, count, (from, to) =>
        {
            for (int i = from; i < to; i++)
            {
                long index = first + i;
                var signer = _signers[index % _signers.Length];
                signals[i] = signer.Create(AddressOf(index).ToString(), "ssh_bruteforce", 0.9f, "bench evidence " + index, 3600, now);
            }
        });
        return signals;
    }

    /// <summary>A public IPv4 address per index (20.0.0.1 upward; never private, loopback or reserved for 125M indexes).</summary>
    public static IPAddress AddressOf(long index) =>
        new([(byte)(20 + (index >> 22)), (byte)((index >> 14) & 255), (byte)((index >> 6) & 255), (byte)((index & 63) + 1)]);

    /// <summary>The transport's MessagePack map of a signal (plugins/InnerWarden.Mesh.Transport.Http/README.md).</summary>
    public static void WriteMessagePack(ref MessagePackWriter writer, ThreatSignal signal)
    {
        writer.WriteMapHeader(8);
        writer.Write("node_id");
        writer.Write(signal.NodeId);
        writer.Write("ip");
        writer.Write(signal.Ip);
        writer.Write("detector");
        writer.Write(signal.Detector);
        writer.Write("confidence");
        writer.Write(signal.Confidence);
        writer.Write("evidence_hash");
        writer.Write(signal.EvidenceHash);
        writer.Write("ttl_secs");
        writer.Write(signal.TtlSecs);
        writer.Write("timestamp");
        writer.WriteArrayHeader(2);
        writer.Write(signal.Timestamp.UnixSeconds);
        writer.Write((uint)signal.Timestamp.Nanoseconds);
        writer.Write("signature");
        writer.Write(signal.Signature);
    }

    /// <summary>One signal as a MessagePack body.</summary>
    public static byte[] ToMessagePack(ThreatSignal signal) => ToMessagePack([signal], asBatch: false);

    /// <summary>Signals as a MessagePack batch body (an array of maps), or the single map when not a batch.</summary>
    public static byte[] ToMessagePack(ReadOnlySpan<ThreatSignal> signals, bool asBatch = true)
    {
        var buffer = new ArrayBufferWriter<byte>(360 * signals.Length + 8);
        var writer = new MessagePackWriter(buffer);
        if (asBatch)
        {
            writer.WriteArrayHeader(signals.Length);
        }
        foreach (var signal in signals)
        {
            WriteMessagePack(ref writer, signal);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        foreach (var identity in _identities)
        {
            identity.Dispose();
        }
    }
}

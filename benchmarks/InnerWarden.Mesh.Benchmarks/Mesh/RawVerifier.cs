using InnerWarden.Mesh.Contracts.Signals;
using NSec.Cryptography;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// The physical limit: bare NSec Ed25519 verifies over the signals' canonical bytes, with keys imported and
/// signatures decoded beforehand, so nothing but the curve arithmetic is timed.
/// </summary>
internal sealed class RawVerifier
{
    private readonly PublicKey[] _keys;
    private readonly byte[][] _messages;
    private readonly byte[][] _signatures;

    public RawVerifier(SignalFactory factory, long firstIndex, IReadOnlyList<ThreatSignal> signals)
    {
        _keys = new PublicKey[signals.Count];
        _messages = new byte[signals.Count][];
        _signatures = new byte[signals.Count][];
        for (int i = 0; i < signals.Count; i++)
        {
            _keys[i] = factory.PublicKeyFor(firstIndex + i);
            _messages[i] = SignalCanonicalForm.ToBytes(signals[i]);
            _signatures[i] = Convert.FromBase64String(signals[i].Signature);
        }
    }

    public int Count => _messages.Length;

    /// <summary>Verifies every signal once on <paramref name="threads"/> threads; signals/s. Throws if one fails (the corpus is broken).</summary>
    public double Measure(int threads)
    {
        int failed = 0;
        var elapsed = Partitioned.Run(threads, _messages.Length, (from, to) =>
        {
            var ed25519 = SignatureAlgorithm.Ed25519;
            for (int i = from; i < to; i++)
            {
                if (!ed25519.Verify(_keys[i], _messages[i], _signatures[i]))
                {
                    Interlocked.Increment(ref failed);
                }
            }
        });
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {_messages.Length} signatures did not verify: the signed corpus is wrong");
        }
        return _messages.Length / elapsed.TotalSeconds;
    }
}

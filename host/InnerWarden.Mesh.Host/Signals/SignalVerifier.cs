using System.Buffers;
using InnerWarden.Mesh.Contracts.Signals;
using NSec.Cryptography;

namespace InnerWarden.Mesh.Host.Signals;

/// <summary>Ed25519 verification of a signal over its canonical bytes (docs/protocol.md). Never throws on bad input.</summary>
internal static class SignalVerifier
{
    // Canonical text of a well-formed signal is ~250 bytes; fields are capped at 256 chars by the parser,
    // so larger ones are garbage that still must not throw: they get a pooled buffer.
    private const int StackLimit = 1024;

    /// <summary>
    /// True when node_id is 64 hex, the signature is base64 of exactly 64 bytes, and it verifies over
    /// the canonical bytes with node_id as the public key.
    /// </summary>
    public static bool Verify(ThreatSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        Span<byte> signature = stackalloc byte[SignalEncoding.SignatureLength];
        return SignalEncoding.TryDecodeSignature(signal.Signature, signature) && Verify(signal, signature);
    }

    /// <summary>
    /// <see cref="Verify(ThreatSignal)"/> with the signature already decoded (and checked canonical) by
    /// validation: the pipeline decodes it once for validation, dedup and this.
    /// </summary>
    public static bool Verify(ThreatSignal signal, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(signal);
        Span<byte> publicKeyBytes = stackalloc byte[32];
        if (signature.Length != SignalEncoding.SignatureLength
            || !SignalEncoding.TryDecodeHex32(signal.NodeId, publicKeyBytes)
            || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKeyBytes, KeyBlobFormat.RawPublicKey, out var publicKey)
            || publicKey is null)
        {
            return false;
        }
        int max = SignalCanonicalForm.MaxUtf8Length(signal);
        byte[]? rented = max > StackLimit ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[StackLimit];
            return SignalCanonicalForm.TryWrite(signal, buffer, out int length)
                && SignatureAlgorithm.Ed25519.Verify(publicKey, buffer[..length], signature);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}

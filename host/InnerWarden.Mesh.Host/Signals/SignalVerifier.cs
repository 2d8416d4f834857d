// PLACEHOLDER: the signals branch owns this file
using InnerWarden.Mesh.Contracts.Signals;
using NSec.Cryptography;

namespace InnerWarden.Mesh.Host.Signals;

/// <summary>Verifies a signal's Ed25519 signature (placeholder).</summary>
internal static class SignalVerifier
{
    public static bool Verify(ThreatSignal signal)
    {
        try
        {
            var key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(signal.NodeId), KeyBlobFormat.RawPublicKey);
            return SignatureAlgorithm.Ed25519.Verify(key, SignalCanonicalForm.ToBytes(signal), Convert.FromBase64String(signal.Signature));
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

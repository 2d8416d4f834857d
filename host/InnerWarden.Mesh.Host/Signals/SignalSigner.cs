using System.Security.Cryptography;
using System.Text;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.Host.Signals;

/// <summary>Turns this node's detections into signed threat signals (docs/protocol.md).</summary>
internal sealed class SignalSigner(NodeIdentity identity, TimeProvider time)
{
    /// <summary>
    /// A signal for a local detection, stamped now and signed by this node. An IPv4-mapped address is sent
    /// in dotted form, as peers expect an IPv4 attacker to be written.
    /// </summary>
    public ThreatSignal Create(Detection detection, ulong ttlSecs)
    {
        ArgumentNullException.ThrowIfNull(detection);
        return Create(IpAddressText.Normalize(detection.Ip).ToString(), detection.Detector, detection.Confidence, detection.Evidence, ttlSecs,
            SignalTimestamp.FromDateTimeOffset(time.GetUtcNow()));
    }

    /// <summary>A signal with every field given (tests and vectors); evidence is hashed, never sent.</summary>
    public ThreatSignal Create(string ip, string detector, float confidence, string evidence, ulong ttlSecs, SignalTimestamp timestamp)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(evidence);
        string evidenceHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(evidence)));
        var unsigned = new ThreatSignal(identity.NodeId, ip, detector, confidence, evidenceHash, ttlSecs, timestamp, "");
        return unsigned with { Signature = identity.Sign(SignalCanonicalForm.ToBytes(unsigned)) };
    }
}

// PLACEHOLDER: the signals branch owns this file
using System.Security.Cryptography;
using System.Text;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.Host.Signals;

/// <summary>Signs this node's detections (placeholder).</summary>
internal sealed class SignalSigner(NodeIdentity identity, TimeProvider time)
{
    public ThreatSignal Create(Detection d, ulong ttlSecs)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(d.Evidence)));
        var unsigned = new ThreatSignal(identity.NodeId, d.Ip.ToString(), d.Detector, d.Confidence, hash, ttlSecs,
            SignalTimestamp.FromDateTimeOffset(time.GetUtcNow()), "");
        return unsigned with { Signature = identity.Sign(SignalCanonicalForm.ToBytes(unsigned)) };
    }
}

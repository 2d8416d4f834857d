namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>
/// A signed threat signal exactly as it travels between nodes (docs/protocol.md). A value of this type is
/// only parsed, never trusted: the host's pipeline validates and verifies it.
/// </summary>
/// <param name="NodeId">Signer's Ed25519 public key, 64 lowercase hex.</param>
/// <param name="Ip">The attacker's address as text.</param>
/// <param name="Detector">What saw it, e.g. <c>ssh_bruteforce</c>.</param>
/// <param name="Confidence">Signer's confidence, 0.0 - 1.0, a 32-bit float as signed.</param>
/// <param name="EvidenceHash">SHA-256 of the evidence, 64 lowercase hex.</param>
/// <param name="TtlSecs">Suggested block duration in seconds.</param>
/// <param name="Timestamp">When the signal was made, to the nanosecond.</param>
/// <param name="Signature">Ed25519 signature over the canonical bytes, standard base64.</param>
public sealed record ThreatSignal(
    string NodeId,
    string Ip,
    string Detector,
    float Confidence,
    string EvidenceHash,
    ulong TtlSecs,
    SignalTimestamp Timestamp,
    string Signature)
{
    /// <summary>The canonical text that is signed: <c>node_id|ip|detector|confidence|evidence_hash|ttl_secs|timestamp</c>.</summary>
    public string CanonicalText() => SignalCanonicalForm.Format(this);
}

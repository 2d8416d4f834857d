using System.Net;

namespace InnerWarden.Mesh.Contracts.Staging;

/// <summary>A weighted report of an address, from a peer's signal or a local detection.</summary>
/// <param name="Ip">The address (already validated as public and not allowlisted).</param>
/// <param name="Contributor">Sender's node id; this node's own id for a local detection.</param>
/// <param name="Score">Weighted score: trust(sender) x confidence.</param>
/// <param name="Detector">What saw it.</param>
/// <param name="SignalTtl">The TTL the signal suggested, used for remembering discarded signals.</param>
/// <param name="Local">True for this node's own detection.</param>
/// <param name="Now">The current time.</param>
public sealed record StageRequest(IPAddress Ip, string Contributor, double Score, string Detector, TimeSpan SignalTtl, bool Local, DateTimeOffset Now)
{
    /// <summary>
    /// The sender's trust when it sent this: the pool gives signers below its trust floor no vote when reports combine.
    /// 0 (no vote: the report stands alone, as in the seed's table) unless the host says.
    /// </summary>
    public double SignerTrust { get; init; }

    /// <summary>
    /// The sender's independence domain: signers in one domain count once when reports combine. The host gives an
    /// operator-vouched peer its own key's domain and any other signer the /24 (IPv4) or /48 (IPv6) network it sent
    /// from; null means the contributor's own domain.
    /// </summary>
    public string? Domain { get; init; }
}

using System.Net;

namespace InnerWarden.Mesh.Contracts.Enforcement;

/// <summary>Drop traffic from an address for a time. The host has already checked it is safe to block.</summary>
/// <param name="Ip">The address.</param>
/// <param name="Ttl">Remaining time; the backend removes the block by itself after it where it can (nft/ipset timeouts).</param>
public sealed record BlockRequest(IPAddress Ip, TimeSpan Ttl);

namespace InnerWarden.Mesh.Contracts.Peers;

/// <summary>A peer as configured or discovered.</summary>
/// <param name="Endpoint">Base URL of the peer's mesh transport, e.g. <c>https://other-server:8790</c>.</param>
/// <param name="PublicKey">The peer's node_id (64 lowercase hex), or null until discovery resolves it.</param>
/// <param name="Label">Operator's name for the peer.</param>
public sealed record PeerInfo(Uri Endpoint, string? PublicKey, string? Label);

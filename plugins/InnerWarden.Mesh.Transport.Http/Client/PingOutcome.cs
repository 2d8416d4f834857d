using InnerWarden.Mesh.Contracts.Transport;

namespace InnerWarden.Mesh.Transport.Http.Client;

/// <summary>A ping's reply, or why there is none (<see cref="PeerProblem"/>'s words).</summary>
/// <param name="Reply">The peer's answer; null when it gave none that reads as one.</param>
/// <param name="Problem">Why not, when <paramref name="Reply"/> is null.</param>
internal readonly record struct PingOutcome(PeerPingReply? Reply, string? Problem);

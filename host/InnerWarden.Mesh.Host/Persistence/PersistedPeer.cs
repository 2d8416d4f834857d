namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>A peer as persisted.</summary>
/// <param name="Endpoint">Base URL.</param>
/// <param name="PublicKey">Its node id, null when not resolved yet.</param>
/// <param name="Label">Operator's name.</param>
/// <param name="Source"><c>config</c> or <c>discovered</c>.</param>
internal sealed record PersistedPeer(string Endpoint, string? PublicKey, string? Label, string Source);

namespace InnerWarden.Mesh.Host.Trust;

/// <summary>A peer's trust before and after a confirmation or contradiction.</summary>
internal readonly record struct TrustChange(string NodeId, double Before, double After);

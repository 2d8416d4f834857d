namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>The legacy state file as read: its content, or why it could not be read (the file is left alone).</summary>
internal readonly record struct StateReadResult(MeshState? State, string? Error);

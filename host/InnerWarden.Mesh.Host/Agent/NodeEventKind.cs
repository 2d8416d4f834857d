namespace InnerWarden.Mesh.Host.Agent;

/// <summary>What a <see cref="NodeEvent"/> reports.</summary>
internal enum NodeEventKind
{
    /// <summary>An inbound signal was judged (Action holds the verdict).</summary>
    SignalReceived,
    /// <summary>An address was staged or its entry changed.</summary>
    Staged,
    /// <summary>A local observation confirmed an address.</summary>
    Confirmed,
    /// <summary>An entry expired (and its block, if any, was reverted).</summary>
    Expired,
    /// <summary>A peer's trust changed.</summary>
    TrustChanged,
    /// <summary>This node signed and sent a signal.</summary>
    Broadcast,
    /// <summary>A block was refused because the address must never be blocked.</summary>
    Refused,
}

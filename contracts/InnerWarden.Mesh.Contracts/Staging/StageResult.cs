using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Contracts.Staging;

/// <summary>What staging one report did. The host turns the before/after pair into firewall work.</summary>
/// <param name="Action">The action to answer with (<see cref="SignalAction.Discarded"/> or a staged action).</param>
/// <param name="Previous">The entry for the address before, null if there was none.</param>
/// <param name="Current">The entry after, null when discarded and none existed.</param>
/// <param name="Evicted">An entry removed to stay within the pool's bound, null if none; a block must be reverted.</param>
public sealed record StageResult(SignalAction Action, StagedEntry? Previous, StagedEntry? Current, StagedEntry? Evicted);

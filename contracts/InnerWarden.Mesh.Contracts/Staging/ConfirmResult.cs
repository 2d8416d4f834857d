namespace InnerWarden.Mesh.Contracts.Staging;

/// <summary>What a local confirmation of an address did.</summary>
/// <param name="Previous">The entry before, null if the address was not staged.</param>
/// <param name="Current">The entry after (upgraded to the full block), null if the address was not staged.</param>
/// <param name="CreditedPeers">Peers to credit: the entry's contributors not credited before, plus senders of remembered discarded signals.</param>
public sealed record ConfirmResult(StagedEntry? Previous, StagedEntry? Current, IReadOnlyList<string> CreditedPeers);

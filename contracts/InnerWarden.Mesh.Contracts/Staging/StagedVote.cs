namespace InnerWarden.Mesh.Contracts.Staging;

/// <summary>
/// One signer's vote on a staged address: its best weighted score so far. Kept on the entry so that reports of
/// several independent signers can combine (and so that persisting the pool keeps what combining needs).
/// </summary>
/// <param name="NodeId">The signer.</param>
/// <param name="Domain">Its independence domain (see <see cref="StageRequest.Domain"/>): one domain counts once.</param>
/// <param name="Score">Its highest weighted score (trust x confidence) for the address.</param>
public sealed record StagedVote(string NodeId, string Domain, double Score);

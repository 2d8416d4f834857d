using System.Net;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Contracts.Staging;

/// <summary>One address in the staging pool.</summary>
/// <param name="Ip">The address.</param>
/// <param name="Action">Watchlisted, short block or full block.</param>
/// <param name="Score">The best weighted score that stands for it.</param>
/// <param name="Detector">Detector of the signal that set the score.</param>
/// <param name="StagedAt">When it was first staged.</param>
/// <param name="ExpiresAt">When it is reverted unless confirmed or renewed.</param>
/// <param name="Contributors">Node ids of every peer whose signal contributed (credited on confirmation, debited on expiry).</param>
/// <param name="Confirmed">True once local observation confirmed it.</param>
/// <param name="Local">True when this node's own detection staged it.</param>
public sealed record StagedEntry(
    IPAddress Ip,
    SignalAction Action,
    double Score,
    string Detector,
    DateTimeOffset StagedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Contributors,
    bool Confirmed,
    bool Local)
{
    /// <summary>
    /// The votes of the signers that reported it, one per signer at its highest score, for combining reports of
    /// independent signers (empty for an entry staged only by this node, or restored from state without them).
    /// </summary>
    public IReadOnlyList<StagedVote> Votes { get; init; } = [];

    /// <summary>True when the entry asks the firewall to drop the address.</summary>
    public bool IsBlock => Action is SignalAction.BlockedShortTtl or SignalAction.BlockedFull;
}

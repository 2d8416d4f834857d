using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>
/// One line of <c>mesh-signals-YYYY-MM-DD.jsonl</c>: a signal received (with its verdict) or sent, a block this node
/// refused to hand to the firewall, or a minute's count of the unknown signers' signals that were not written one by one. Field names are snake_case and stable; null fields are left out.
/// A struct: one is made per signal on the hot path and formatted at once, so it never needs the heap.
/// </summary>
/// <param name="LoggedAt">When the line was written (node time).</param>
/// <param name="Direction"><c>received</c>, <c>sent</c> or <c>local</c>.</param>
/// <param name="NodeId">The signer.</param>
/// <param name="Ip">The reported address as signed.</param>
/// <param name="Detector">What saw it.</param>
/// <param name="Confidence">The signer's confidence.</param>
/// <param name="TtlSecs">The suggested TTL.</param>
/// <param name="Timestamp">The signal's own timestamp (written in its JSON form).</param>
/// <param name="Signature">The signature, so a line can be re-verified.</param>
/// <param name="Action">The verdict's action (docs/protocol.md name), or <c>refused</c>/<c>sent</c>.</param>
/// <param name="Reason">The reject reason name, <c>None</c> when accepted.</param>
/// <param name="Detail">Human detail of the reason.</param>
/// <param name="Score">Weighted score, when weighed.</param>
/// <param name="Remote">The sending connection for received signals.</param>
/// <param name="Peers">How many peers a sent signal was addressed to.</param>
internal readonly record struct AuditRecord(
    DateTimeOffset LoggedAt,
    string Direction,
    string? NodeId,
    string? Ip,
    string? Detector,
    float? Confidence,
    ulong? TtlSecs,
    SignalTimestamp? Timestamp,
    string? Signature,
    string Action,
    string Reason,
    string? Detail,
    double? Score,
    string? Remote,
    int? Peers)
{
    /// <summary>
    /// The signer is neither vouched for nor has a confirmed signal (or its signature was never verified, so its node id is
    /// only a claim): past <see cref="AuditOptions.UnknownLinesPerMinute"/> such lines are counted instead of written. Not
    /// written itself.
    /// </summary>
    public bool UnknownSigner { get; init; }

    /// <summary>On a summary line: how many signals it stands for.</summary>
    public long? Count { get; init; }

    /// <summary>On a summary line: where its window began (it ends at <see cref="LoggedAt"/>).</summary>
    public DateTimeOffset? WindowStart { get; init; }
}

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>
/// The <c>error</c> code a refusal is answered with on the wire. docs/protocol.md allows only the original's codes
/// (<c>PrivateIp</c>, <c>InvalidConfidence</c>, <c>TimestampTooFarFuture</c>, <c>TimestampTooOld</c>,
/// <c>InvalidSignature</c>) or a parse error's text, so this node's finer reasons are mapped onto them and
/// sent in addition as the extra <c>reason</c> field, which original nodes ignore.
/// </summary>
public static class RejectReasonNames
{
    /// <summary>
    /// The docs/protocol.md code for <paramref name="reason"/>: an unparseable or allowlisted address is <c>PrivateIp</c>
    /// (what the original answers for an address it will not block); null for <see cref="RejectReason.ParseError"/>
    /// and <see cref="RejectReason.InvalidField"/>, which are answered with their parse error text.
    /// </summary>
    public static string? ToWireError(this RejectReason reason) => reason switch
    {
        RejectReason.PrivateIp or RejectReason.InvalidIp or RejectReason.Allowlisted => nameof(RejectReason.PrivateIp),
        RejectReason.InvalidConfidence => nameof(RejectReason.InvalidConfidence),
        RejectReason.TimestampTooFarFuture => nameof(RejectReason.TimestampTooFarFuture),
        RejectReason.TimestampTooOld => nameof(RejectReason.TimestampTooOld),
        RejectReason.InvalidSignature => nameof(RejectReason.InvalidSignature),
        RejectReason.RateLimitExceeded => "rate limit exceeded",
        RejectReason.PeerQuarantined => "peer is quarantined",
        _ => null,
    };

    /// <summary>
    /// The extra <c>reason</c> field for a reply: this node's reason name when the wire <c>error</c> does not already
    /// say it (an unparseable or allowlisted address, a malformed field, a state commit that failed: its error is the
    /// failure's text); null when the error code is precise.
    /// </summary>
    public static string? ExtraReason(this RejectReason reason) =>
        reason is RejectReason.InvalidIp or RejectReason.Allowlisted or RejectReason.InvalidField or RejectReason.StateUnavailable ? reason.ToString() : null;
}

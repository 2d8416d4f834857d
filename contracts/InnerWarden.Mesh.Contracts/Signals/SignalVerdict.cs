namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>The host's answer to one inbound signal; a transport turns it into its reply.</summary>
/// <param name="Action">What became of the signal.</param>
/// <param name="Reason">Why it was refused, <see cref="RejectReason.None"/> when it was not.</param>
/// <param name="Error">The docs/protocol.md error text for the reply (reason name, parse message, or rate-limit text); null when none.</param>
public sealed record SignalVerdict(SignalAction Action, RejectReason Reason, string? Error)
{
    /// <summary>True for the staged actions (watchlisted and blocks).</summary>
    public bool Accepted => Action is SignalAction.Watchlisted or SignalAction.BlockedShortTtl or SignalAction.BlockedFull;

    /// <summary>The HTTP status docs/protocol.md gives this verdict.</summary>
    public int HttpStatus => Action switch
    {
        SignalAction.Rejected when Reason == RejectReason.StateUnavailable => 503,
        SignalAction.Rejected => 400,
        SignalAction.Quarantined when Reason == RejectReason.RateLimitExceeded => 429,
        SignalAction.Quarantined => 403,
        _ => 200,
    };

    /// <summary>The answer when the node could not commit what the signal changed (HTTP 503, retried by the sender).</summary>
    public static SignalVerdict StateUnavailable(string reason) => new(SignalAction.Rejected, RejectReason.StateUnavailable, reason);

    /// <summary>A refusal for a body that could not be parsed.</summary>
    public static SignalVerdict ParseFailure(string message) => new(SignalAction.Rejected, RejectReason.ParseError, message);
}

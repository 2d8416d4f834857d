namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>Why a signal was refused. The names are docs/protocol.md's <c>error</c> values where it has one.</summary>
public enum RejectReason
{
    /// <summary>Not refused.</summary>
    None,
    /// <summary>The body could not be parsed (the verdict's message says where).</summary>
    ParseError,
    /// <summary>A field is malformed: node_id or evidence_hash not 64 lowercase hex, detector empty or too long, signature not 64 bytes of base64.</summary>
    InvalidField,
    /// <summary>The IP does not parse.</summary>
    InvalidIp,
    /// <summary>The IP is private, reserved or otherwise not a public unicast address.</summary>
    PrivateIp,
    /// <summary>The IP is on this node's allowlist, is this node's own or a peer's address.</summary>
    Allowlisted,
    /// <summary>Confidence is not a finite number in [0, 1].</summary>
    InvalidConfidence,
    /// <summary>Timestamp more than 5 minutes ahead.</summary>
    TimestampTooFarFuture,
    /// <summary>Timestamp more than 1 hour old.</summary>
    TimestampTooOld,
    /// <summary>The Ed25519 signature does not verify.</summary>
    InvalidSignature,
    /// <summary>The sender went over its per-hour budget now (HTTP 429).</summary>
    RateLimitExceeded,
    /// <summary>The sender is quarantined (HTTP 403).</summary>
    PeerQuarantined,
    /// <summary>
    /// The node could not make the outcome durable (its state store failed to commit: disk full, read-only, I/O error).
    /// HTTP 503: nothing was acknowledged, the sender retries later.
    /// </summary>
    StateUnavailable,
}

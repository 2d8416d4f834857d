using System.Net;
using System.Reflection;
using InnerWarden.Mesh.Contracts.Diagnostics;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.Host.Staging;
using InnerWarden.Mesh.Host.Trust;
using InnerWarden.Mesh.Host.Validation;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Pipeline;

/// <summary>
/// Judges inbound signals in the order the README's "How it works" draws: field validation, freshness, dedup lookup, Ed25519 verify,
/// dedup insert, per-peer rate limit, trust weight, staging (then firewall, state and audit through the
/// <see cref="StagingCoordinator"/>). Cheap checks run before the signature; dedup runs before the rate count
/// so a replay can neither count twice nor get an honest peer quarantined.
/// </summary>
/// <remarks>
/// A verified signal signed by this node itself (our own broadcast relayed back) is answered
/// <see cref="SignalAction.Duplicate"/> and changes nothing: we already staged and confirmed it locally, and
/// crediting or rate-limiting ourselves would be meaningless. Duplicates are not audited again.
/// </remarks>
internal sealed partial class InboundPipeline : ISignalSink
{
    // Signals cannot ask for more than this: an absurd ttl_secs must not overflow TimeSpan arithmetic.
    private static readonly ulong MaxTtlSecs = (ulong)TimeSpan.FromDays(7).TotalSeconds;

    /// <summary>This node's software version, as ping reports it.</summary>
    internal static readonly string NodeVersion = ReadVersion();

    // One verdict object per outcome: the hot path answers without allocating one.
    private static readonly SignalVerdict[] OutcomeVerdicts =
    [
        new(SignalAction.Watchlisted, RejectReason.None, null),
        new(SignalAction.BlockedShortTtl, RejectReason.None, null),
        new(SignalAction.BlockedFull, RejectReason.None, null),
        new(SignalAction.Discarded, RejectReason.None, null),
    ];

    private static readonly SignalVerdict DuplicateVerdict = new(SignalAction.Duplicate, RejectReason.None, null);
    private static readonly SignalVerdict RateLimitVerdict = new(SignalAction.Quarantined, RejectReason.RateLimitExceeded, "rate limit exceeded");
    private static readonly SignalVerdict QuarantinedVerdict = new(SignalAction.Quarantined, RejectReason.PeerQuarantined, "peer is quarantined");

    private readonly SignalValidator _validator;
    private readonly SeenSignals _seen;
    private readonly PeerRateLimiter _limiter;
    private readonly ReputationBook _book;
    private readonly StagingCoordinator _staging;
    private readonly AuditLog _audit;
    private readonly string _ownNodeId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DateTimeOffset _startedAt;
    private readonly StripedCounter _received = new();
    private readonly StripedCounter _accepted = new();
    private readonly StripedCounter _rejected = new();
    private readonly StripedCounter _duplicates = new();

    public InboundPipeline(SignalValidator validator, SeenSignals seen, PeerRateLimiter limiter, ReputationBook book,
        StagingCoordinator staging, AuditLog audit, string ownNodeId, TimeProvider time, ILogger logger)
    {
        _validator = validator;
        _seen = seen;
        _limiter = limiter;
        _book = book;
        _staging = staging;
        _audit = audit;
        _ownNodeId = ownNodeId;
        _time = time;
        _logger = logger;
        _startedAt = time.GetUtcNow();
    }

    /// <summary>Where narration events go (the node's observer hook).</summary>
    public NodeEventHub Events { get; init; } = new(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    public long Received => _received.Value;

    /// <summary>Signals that were valid and weighed (staged or discarded).</summary>
    public long Accepted => _accepted.Value;

    /// <summary>Signals refused as invalid, over the rate or quarantined.</summary>
    public long Rejected => _rejected.Value;

    public long Duplicates => _duplicates.Value;

    /// <summary>Where every accepted signal is recorded; null keeps the pipeline in memory only (unit tests).</summary>
    public StateStore? State { get; init; }

    /// <summary>
    /// Judges the signal, then answers only when what the verdict promises holds: the state it changed is committed
    /// (or, for a duplicate, the commit of the original is done) and a block it caused was handed to the firewall.
    /// A failed commit is answered <see cref="RejectReason.StateUnavailable"/> (HTTP 503), so the sender retries.
    /// </summary>
    public ValueTask<SignalVerdict> SubmitAsync(ThreatSignal signal, SignalOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(origin);
        var verdict = Submit(signal, origin, out bool touched, out var enforced);
        var commit = touched && State is { } state ? state.CommitAsync() : Task.CompletedTask;
        if (commit.IsCompletedSuccessfully && (enforced is null || enforced.IsCompleted))
        {
            return ValueTask.FromResult(verdict);
        }
        return WhenDurableAsync(verdict, commit, enforced);
    }

    private static async ValueTask<SignalVerdict> WhenDurableAsync(SignalVerdict verdict, Task commit, Task? enforced)
    {
        try
        {
            await commit.ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            return SignalVerdict.StateUnavailable(ex.Message);
        }
        if (enforced is not null)
        {
            await enforced.ConfigureAwait(false);
        }
        return verdict;
    }

    public NodeStatus GetStatus()
    {
        var uptime = _time.GetUtcNow() - _startedAt;
        return new NodeStatus(_ownNodeId, NodeVersion, (ulong)Math.Max(0, (long)uptime.TotalSeconds), (ulong)_staging.Count);
    }

    // touched: the verdict rests on state that must be committed before the reply (an accepted or counted signal, or a
    // duplicate of one); enforced: completes when the block it caused reached the firewall.
    private SignalVerdict Submit(ThreatSignal signal, SignalOrigin origin, out bool touched, out Task? enforced)
    {
        touched = false;
        enforced = null;
        _received.Increment();
        // One clock reading judges the whole signal: its checks, its rate count, its staging and its audit line.
        var now = _time.GetUtcNow();
        // Decoded once by validation, then used by dedup and verify.
        Span<byte> signature = stackalloc byte[SignalEncoding.SignatureLength];
        var fields = _validator.CheckFields(signal, signature);
        if (!fields.IsValid || fields.Ip is not { } parsed)
        {
            return Reject(signal, origin, now, fields.IsValid ? RejectReason.InvalidIp : fields.Reason, fields.Detail);
        }
        // ::ffff:a.b.c.d and a.b.c.d are one attacker: stage and block them under one key.
        var ip = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        var freshness = SignalValidator.CheckFreshness(signal, now);
        if (!freshness.IsValid)
        {
            return Reject(signal, origin, now, freshness.Reason, freshness.Detail);
        }
        if (_seen.Contains(signature, now))
        {
            touched = true;
            return Duplicate(signal, origin, now);
        }
        if (!SignalVerifier.Verify(signal, signature))
        {
            return Reject(signal, origin, now, RejectReason.InvalidSignature, "the signature does not verify against node_id");
        }
        // Only now, verified, may the signature enter the seen set: a tampered copy cannot poison it.
        touched = true;
        // Which partition of the replay record it goes to: see SeenSignals.
        bool known = _book.IsKnownAndNotQuarantined(signal.NodeId, now);
        if (!_seen.TryAdd(signature, now, known) || string.Equals(signal.NodeId, _ownNodeId, StringComparison.Ordinal))
        {
            return Duplicate(signal, origin, now);
        }
        var seenUntil = now + SeenSignals.Window;
        switch (_limiter.Check(signal.NodeId, now))
        {
            case RateDecision.LimitExceeded:
                LogQuarantined(_logger, signal.NodeId, origin.RemoteAddress);
                State?.SignalAccepted(signature, seenUntil, known, signal.NodeId, ip, null);
                return Refuse(signal, origin, now, RateLimitVerdict, null, unknownSigner: !_book.IsKnown(signal.NodeId));
            case RateDecision.Quarantined:
                LogStillQuarantined(_logger, signal.NodeId, origin.RemoteAddress);
                State?.SignalAccepted(signature, seenUntil, known, signal.NodeId, ip, null);
                return Refuse(signal, origin, now, QuarantinedVerdict, null, unknownSigner: !_book.IsKnown(signal.NodeId));
        }
        var reputation = _book.RecordSignal(signal.NodeId, now);
        double score = _book.Policy.Weigh(reputation, signal.Confidence, now);
        var ttl = TimeSpan.FromSeconds(Math.Min(signal.TtlSecs, MaxTtlSecs));
        // The book's copy of the node id, not this signal's: staged and remembered entries outlive the signal, and
        // one shared string per peer instead of one per entry keeps a flood of them out of the older GC generations.
        var request = new StageRequest(ip, reputation.NodeId, score, signal.Detector, ttl, Local: false, now)
        {
            // What the pool needs to combine reports of independent signers (a staging concern: the pool decides how).
            SignerTrust = reputation.Trust,
            Domain = IndependenceDomain.Of(reputation.NodeId, reputation.Vouched, origin.RemoteAddress),
        };
        var result = _staging.Stage(request, waitForFirewall: State is not null, out enforced);
        // A discarded signal is remembered (for credit by a later local detection) as long as its TTL, at most.
        State?.SignalAccepted(signature, seenUntil, known, reputation.NodeId, ip, result.Action == SignalAction.Discarded ? now + ttl : null);
        _accepted.Increment();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogJudged(_logger, signal.NodeId, ip, result.Action.ToWire(), score, origin.RemoteAddress);
        }
        Audit(now, signal, origin, result.Action, RejectReason.None, null, score, unknownSigner: !ReputationBook.IsKnown(reputation));
        if (Events.IsObserved)
        {
            Events.Publish(new NodeEvent(NodeEventKind.SignalReceived, now, ip, signal.NodeId, result.Action, score, reputation.Trust, reputation.Trust,
                ttl, signal.Detector));
        }
        return (int)result.Action < OutcomeVerdicts.Length ? OutcomeVerdicts[(int)result.Action] : new SignalVerdict(result.Action, RejectReason.None, null);
    }

    private SignalVerdict Duplicate(ThreatSignal signal, SignalOrigin origin, DateTimeOffset now)
    {
        _duplicates.Increment();
        LogDuplicate(_logger, signal.NodeId, signal.Ip, origin.RemoteAddress);
        if (Events.IsObserved)
        {
            Events.Publish(new NodeEvent(NodeEventKind.SignalReceived, now, null, signal.NodeId, SignalAction.Duplicate));
        }
        return DuplicateVerdict;
    }

    private SignalVerdict Reject(ThreatSignal signal, SignalOrigin origin, DateTimeOffset now, RejectReason reason, string? detail)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            // Every field of a refused signal is the sender's text: escaped, so it cannot forge or garble journal lines.
            LogRejected(_logger, LogText.Bounded(signal.NodeId), LogText.Bounded(signal.Ip), reason, LogText.Bounded(detail), origin.RemoteAddress);
        }
        // The wire gets docs/protocol.md's code (a malformed field is a parse error: its text); the precise reason goes in the
        // reply's extra field, the audit log and the CLI. Its signature was not verified (or failed), so its node id is only a
        // claim: whoever it names, the line counts as an unknown signer's, or a forger could flood the log in a vouched name.
        return Refuse(signal, origin, now, new SignalVerdict(SignalAction.Rejected, reason, reason.ToWireError() ?? detail ?? reason.ToString()), detail,
            unknownSigner: true);
    }

    private SignalVerdict Refuse(ThreatSignal signal, SignalOrigin origin, DateTimeOffset now, SignalVerdict verdict, string? detail, bool unknownSigner)
    {
        _rejected.Increment();
        Audit(now, signal, origin, verdict.Action, verdict.Reason, detail ?? verdict.Error, null, unknownSigner);
        if (Events.IsObserved)
        {
            Events.Publish(new NodeEvent(NodeEventKind.SignalReceived, now, IPAddress.TryParse(signal.Ip, out var ip) ? ip : null,
                signal.NodeId, verdict.Action, Detail: detail ?? verdict.Error, Reason: verdict.Reason));
        }
        return verdict;
    }

    private void Audit(DateTimeOffset now, ThreatSignal signal, SignalOrigin origin, SignalAction action, RejectReason reason, string? detail, double? score,
        bool unknownSigner)
    {
        var record = new AuditRecord(now, "received", signal.NodeId, signal.Ip, signal.Detector, signal.Confidence,
            signal.TtlSecs, signal.Timestamp, signal.Signature, action.ToWire(), reason.ToString(), detail, score,
            origin.RemoteAddress, null)
        {
            UnknownSigner = unknownSigner,
        };
        _audit.Write(record);
    }

    private static string ReadVersion()
    {
        var informational = typeof(InboundPipeline).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return "0.0.0";
        }
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    // Per-signal lines are Debug: every signal's verdict is in the audit log and the metrics, and at Information a
    // flood (or one hostile peer's garbage) would become a flood of journal lines that crowds out the ones that matter.
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "signal from {Peer} for {Ip} rejected: {Reason} ({Detail}) from {Remote}")]
    private static partial void LogRejected(ILogger logger, string peer, string ip, RejectReason reason, string? detail, string remote);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "duplicate signal from {Peer} for {Ip} from {Remote}")]
    private static partial void LogDuplicate(ILogger logger, string peer, string ip, string remote);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "peer {Peer} went over its signal budget: quarantined for an hour (last from {Remote})")]
    private static partial void LogQuarantined(ILogger logger, string peer, string remote);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "signal from quarantined peer {Peer} refused (from {Remote})")]
    private static partial void LogStillQuarantined(ILogger logger, string peer, string remote);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "signal from {Peer} for {Ip}: {Action} (score {Score:F3}) from {Remote}")]
    private static partial void LogJudged(ILogger logger, string peer, IPAddress ip, string action, double score, string remote);

}

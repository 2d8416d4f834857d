using System.Net;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>Something a node did, for a demo or a test to narrate. Fields not relevant to the kind are null.</summary>
internal sealed record NodeEvent(
    NodeEventKind Kind,
    DateTimeOffset At,
    IPAddress? Ip,
    string? Peer,
    SignalAction? Action = null,
    double? Score = null,
    double? TrustBefore = null,
    double? TrustAfter = null,
    TimeSpan? Ttl = null,
    string? Detail = null,
    RejectReason Reason = RejectReason.None);

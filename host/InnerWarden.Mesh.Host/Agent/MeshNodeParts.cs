using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Contracts.Trust;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Broadcast;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Trust;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>Everything a <see cref="MeshNode"/> is built from: settings, identity and the selected plugins.</summary>
/// <param name="Settings">The node-wide settings.</param>
/// <param name="Identity">The node's signing identity.</param>
/// <param name="Trust">The trust policy plugin.</param>
/// <param name="Staging">The staging plugin.</param>
/// <param name="Enforcer">The firewall enforcer plugin.</param>
/// <param name="Transport">The transport plugin; null without networking.</param>
/// <param name="Detectors">The detection sources.</param>
/// <param name="Time">The clock.</param>
/// <param name="LoggerFactory">Where logs go.</param>
/// <param name="LocalAddresses">This node's own addresses (never blocked); null reads the network interfaces.</param>
/// <param name="Metrics">Where the node records its Prometheus metrics; null when metrics are off.</param>
/// <param name="BroadcastCapacity">How many local detections may wait for the transport before the oldest is dropped.</param>
/// <param name="LateConfirmationWindow">How long after an unconfirmed block expired a local detection still credits its contributors back; null: 24 h, zero: off.</param>
/// <param name="TrackedPeerCapacity">Upper bound of unvouched identities kept in the reputation book and the rate limiter.</param>
/// <param name="SeenSignalCapacity">Entries (and rows) each partition of the replay record keeps: the <c>max_seen_signals</c> key.</param>
/// <param name="Audit">The audit log's bounds; null means the defaults.</param>
internal sealed record MeshNodeParts(
    NodeSettings Settings,
    NodeIdentity Identity,
    ITrustPolicy Trust,
    IStagingPool Staging,
    IFirewallEnforcer Enforcer,
    IMeshTransport? Transport,
    IReadOnlyList<IDetectionSource> Detectors,
    TimeProvider Time,
    ILoggerFactory LoggerFactory,
    Func<IEnumerable<IPAddress>>? LocalAddresses = null,
    int TrackedPeerCapacity = ReputationBook.DefaultCapacity,
    MeshMetrics? Metrics = null,
    int BroadcastCapacity = BroadcastQueue.DefaultCapacity,
    int SeenSignalCapacity = SeenSignals.DefaultCapacity,
    AuditOptions? Audit = null,
    TimeSpan? LateConfirmationWindow = null);

// PLACEHOLDER: the pipeline branch owns this file
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Contracts.Trust;
using InnerWarden.Mesh.Host.Identity;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>Everything a node is made of.</summary>
internal sealed record MeshNodeParts(
    NodeSettings Settings,
    NodeIdentity Identity,
    ITrustPolicy Trust,
    IStagingPool Staging,
    IFirewallEnforcer Enforcer,
    IMeshTransport? Transport,
    IReadOnlyList<IDetectionSource> Detectors,
    TimeProvider Time,
    ILoggerFactory LoggerFactory);

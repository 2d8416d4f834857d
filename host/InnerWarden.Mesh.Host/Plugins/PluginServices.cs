using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Contracts.Trust;

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>The contract implementations the selected plugins registered, resolved from one node's service provider.</summary>
/// <param name="Trust">The trust policy.</param>
/// <param name="Staging">The staging pool.</param>
/// <param name="Enforcer">The firewall enforcer.</param>
/// <param name="Transport">The transport; null when config says <c>transport: none</c>.</param>
/// <param name="Detectors">The detection sources.</param>
internal sealed record PluginServices(
    ITrustPolicy Trust,
    IStagingPool Staging,
    IFirewallEnforcer Enforcer,
    IMeshTransport? Transport,
    IReadOnlyList<IDetectionSource> Detectors);

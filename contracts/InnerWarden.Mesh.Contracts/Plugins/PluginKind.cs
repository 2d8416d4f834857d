namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>The concern a plugin fills. Config selects one plugin per kind (several for detectors).</summary>
public enum PluginKind
{
    /// <summary>Produces local detections (<see cref="Detections.IDetectionSource"/>).</summary>
    Detector,
    /// <summary>Carries signals between nodes (<see cref="Transport.IMeshTransport"/>).</summary>
    Transport,
    /// <summary>Decides how far a peer is trusted (<see cref="Trust.ITrustPolicy"/>).</summary>
    Trust,
    /// <summary>Turns weighted scores into staged actions with TTLs (<see cref="Staging.IStagingPool"/>).</summary>
    Staging,
    /// <summary>Applies and reverts blocks in a firewall (<see cref="Enforcement.IFirewallEnforcer"/>).</summary>
    Enforcer,
}

using InnerWarden.Mesh.Contracts.Peers;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>The node-wide settings from the config file that plugins may read (also registered as a service).</summary>
/// <param name="Bind">Listen address of the mesh transport, <c>host:port</c>.</param>
/// <param name="DataDirectory">Where the node keeps its identity, state and audit log.</param>
/// <param name="PollInterval">How often periodic work (expiry, counters, discovery) runs.</param>
/// <param name="AutoBroadcast">Whether local detections are signed and sent to peers.</param>
/// <param name="MaxSignalsPerHour">Per-peer signal budget before quarantine.</param>
/// <param name="MaxStaged">Upper bound of the staging pool.</param>
/// <param name="InitialTrust">Trust given to peers listed in config.</param>
/// <param name="Peers">Peers listed in config.</param>
/// <param name="Allowlist">Addresses and CIDRs that are never blocked, as written in config.</param>
public sealed record NodeSettings(
    string Bind,
    string DataDirectory,
    TimeSpan PollInterval,
    bool AutoBroadcast,
    int MaxSignalsPerHour,
    int MaxStaged,
    double InitialTrust,
    IReadOnlyList<PeerInfo> Peers,
    IReadOnlyList<string> Allowlist);

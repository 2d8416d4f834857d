using InnerWarden.Mesh.Contracts.Peers;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>How one node of a <see cref="TestMesh"/> is configured; every node peers with every other node of the mesh.</summary>
/// <param name="Name">The node's name in the test (A, B, ...), also its peer label.</param>
internal sealed record TestNodeSpec(string Name)
{
    /// <summary>The trust this node gives the peers in its config (the other nodes and <see cref="ExtraPeers"/>).</summary>
    public double InitialTrust { get; init; } = 0.5;

    /// <summary>The node's clock; the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Per-peer signal budget per hour before quarantine.</summary>
    public int MaxSignalsPerHour { get; init; } = 50;

    /// <summary>Configured peers that are not nodes of the mesh (identities a test signs with itself).</summary>
    public IReadOnlyList<PeerInfo> ExtraPeers { get; init; } = [];

    /// <summary>Configure the other nodes without their public keys, so discovery has to learn them.</summary>
    public bool PeerKeysUnknown { get; init; }

    /// <summary>Where the node records its Prometheus metrics; none when null.</summary>
    public InnerWarden.Mesh.Host.Metrics.MeshMetrics? Metrics { get; init; }

    /// <summary>The transport plugin (<c>plugins.transport</c>).</summary>
    public string Transport { get; init; } = "http";

    /// <summary>The <c>plugin_settings</c> section, by plugin name (e.g. <c>nats</c>: servers, replicas).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> PluginSettings { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>Where the node's logs go; nowhere when null.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? Logs { get; init; }
}

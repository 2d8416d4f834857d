using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.Host.Plugins;
using InnerWarden.Mesh.Host.Staging;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>The parsed <c>mesh.yaml</c>. Defaults are the original innerwarden-mesh defaults.</summary>
/// <param name="Enabled">Whether <c>innerwarden agent</c> runs the mesh at all.</param>
/// <param name="Bind">Listen address of the transport, <c>host:port</c>.</param>
/// <param name="PollSecs">Interval of periodic work.</param>
/// <param name="AutoBroadcast">Whether local detections are sent to peers.</param>
/// <param name="MaxSignalsPerHour">Per-peer budget before quarantine.</param>
/// <param name="MaxStaged">Bound of the staging pool.</param>
/// <param name="InitialTrust">Trust of peers listed in config.</param>
/// <param name="Peers">Configured peers.</param>
/// <param name="Allowlist">IPs/CIDRs never blocked, as written.</param>
/// <param name="PluginDirectory">Where plugins live; null means <c>plugins/</c> beside the executable.</param>
/// <param name="Plugins">Which plugin fills each kind.</param>
/// <param name="PluginSettings">Per plugin name, its flat settings.</param>
/// <param name="DataDirectory">The <c>data_dir</c> key; null when absent (flags and env win over it).</param>
internal sealed record MeshConfig(
    bool Enabled,
    string Bind,
    int PollSecs,
    bool AutoBroadcast,
    int MaxSignalsPerHour,
    int MaxStaged,
    double InitialTrust,
    IReadOnlyList<PeerInfo> Peers,
    IReadOnlyList<string> Allowlist,
    string? PluginDirectory,
    PluginSelection Plugins,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> PluginSettings,
    string? DataDirectory)
{
    /// <summary>The <c>metrics:</c> section: the Prometheus endpoint, off by default.</summary>
    public MetricsOptions Metrics { get; init; } = new();

    /// <summary>
    /// The <c>max_seen_signals</c> key: entries each partition of the replay record keeps (signers this node knows / everyone
    /// else), in memory and in <c>mesh.db</c>; see <see cref="Pipeline.SeenSignals"/>.
    /// </summary>
    public int MaxSeenSignals { get; init; } = Pipeline.SeenSignals.DefaultCapacity;

    /// <summary>The <c>audit:</c> section: the audit log's size and age bounds and the unknown signers' line budget.</summary>
    public AuditOptions Audit { get; init; } = AuditOptions.Default;

    /// <summary>The <c>late_confirmation_hours</c> key: how long an unconfirmed block that expired is remembered for late confirmation (0: off).</summary>
    public int LateConfirmationHours { get; init; } = (int)LateConfirmations.DefaultWindow.TotalHours;

    /// <summary>The <c>log_level</c> key: the least severe log line the agent writes to its console (the journal).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public const string DefaultConfigPath = "/etc/innerwarden/mesh.yaml";
    public const string DefaultDataDirectory = "/var/lib/innerwarden";

    /// <summary>Every key at its default, as when no config file exists.</summary>
    public static MeshConfig Default { get; } = new(
        Enabled: false,
        Bind: "0.0.0.0:8790",
        PollSecs: 30,
        AutoBroadcast: true,
        MaxSignalsPerHour: 50,
        MaxStaged: 10_000,
        InitialTrust: 0.85,
        Peers: [],
        Allowlist: [],
        PluginDirectory: null,
        Plugins: PluginSelection.Default,
        PluginSettings: new Dictionary<string, IReadOnlyDictionary<string, string>>(),
        DataDirectory: null);

    /// <summary>The plugin directory to load from: the configured one, else <c>plugins/</c> beside the executable.</summary>
    public string ResolvePluginDirectory() =>
        PluginDirectory ?? Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>A plugin's own settings, empty when the config has none for it.</summary>
    public IReadOnlyDictionary<string, string> SettingsFor(string pluginName) =>
        PluginSettings.TryGetValue(pluginName, out var settings) ? settings : new Dictionary<string, string>();

    /// <summary>The node-wide settings handed to plugins.</summary>
    public NodeSettings ToNodeSettings(string dataDirectory) => new(
        Bind,
        dataDirectory,
        TimeSpan.FromSeconds(PollSecs),
        AutoBroadcast,
        MaxSignalsPerHour,
        MaxStaged,
        InitialTrust,
        Peers,
        Allowlist);
}

using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// A real node composed with the real plugins (tit-for-tat, threshold, log-only enforcer, and the http transport
/// or none) in a throw-away data directory, as <c>innerwarden demo</c> composes its nodes.
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    /// <summary>The per-peer budget given to the node, far above what any benchmark sends, so nothing is quarantined.</summary>
    public const int MaxSignalsPerHour = 1_000_000;

    private readonly ComposedNode _composed;
    private readonly DirectoryInfo _dataDirectory;
    private bool _nodeStopped;

    private BenchNode(ComposedNode composed, MeshNode node, DirectoryInfo dataDirectory)
    {
        _composed = composed;
        Node = node;
        _dataDirectory = dataDirectory;
    }

    public MeshNode Node { get; }

    /// <summary>The node's data directory (its state database and audit log).</summary>
    public string DataDirectory => _dataDirectory.FullName;

    /// <summary>The inbound pipeline the transport feeds (and the in-process benchmarks call directly).</summary>
    public InboundPipeline Pipeline => (InboundPipeline)Node.Sink;

    /// <summary>
    /// Composes and starts a node. <paramref name="vouched"/> node ids are configured as peers (initial trust, so
    /// their signals are weighed into staging); others are unknown identities whose signals are verified, counted
    /// and discarded at trust 0. <paramref name="bind"/> null means transport <c>none</c>; <paramref name="audit"/> null means
    /// the default audit bounds.
    /// </summary>
    public static async Task<BenchNode> StartAsync(IReadOnlyList<string> vouched, string? bind, CancellationToken cancellationToken, AuditOptions? audit = null)
    {
        var dir = Directory.CreateTempSubdirectory("innerwarden-bench-");
        var config = MeshConfig.Default with
        {
            Enabled = true,
            Bind = bind ?? "127.0.0.1:0",
            AutoBroadcast = false,
            MaxSignalsPerHour = MaxSignalsPerHour,
            Peers = [.. vouched.Select((id, i) => new PeerInfo(new Uri("http://127.0.0.1:9"), id, "bench-peer-" + i))],
            Plugins = new PluginSelection(bind is null ? PluginSelection.None : "http", "tit-for-tat", "threshold", PluginSelection.LogOnly, []),
            PluginDirectory = PluginDirectory(),
            Audit = audit ?? AuditOptions.Default,
        };
        var composed = NodeComposer.Compose(config, dir.FullName, new NodeCompositionOptions(TimeProvider.System, NullLoggerFactory.Instance));
#pragma warning disable CA2000 // Owned by the BenchNode, which the caller disposes.
        var bench = new BenchNode(composed, new MeshNode(composed.Parts), dir);
#pragma warning restore CA2000
        try
        {
            await bench.Node.StartAsync(cancellationToken);
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
        return bench;
    }

    /// <summary>
    /// The built plugins: <c>plugins/</c> beside this program if present, else the host's build output
    /// (<c>host/InnerWarden.Mesh.Host/bin/&lt;Configuration&gt;/net10.0/plugins</c>, built with the host by this project's build).
    /// </summary>
    public static string PluginDirectory()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "plugins");
        if (Directory.Exists(beside))
        {
            return beside;
        }
        // .../benchmarks/InnerWarden.Mesh.Benchmarks/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent?.Name ?? "Release";
        var repo = output.Parent?.Parent?.Parent?.Parent?.Parent?.FullName ?? ".";
        var built = Path.Combine(repo, "host", "InnerWarden.Mesh.Host", "bin", configuration, output.Name, "plugins");
        if (!Directory.Exists(built))
        {
            throw new DirectoryNotFoundException($"the host's plugins are not built at {built} (build benchmarks/InnerWarden.Mesh.Benchmarks, which builds the host)");
        }
        return built;
    }

    /// <summary>Stops the node (a stopping agent's last writes included), keeping its data directory until disposal.</summary>
    public async Task StopNodeAsync()
    {
        if (!_nodeStopped)
        {
            _nodeStopped = true;
            await Node.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopNodeAsync();
        await _composed.DisposeAsync();
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A temp dir left behind is harmless; the figures stand.
        }
    }
}

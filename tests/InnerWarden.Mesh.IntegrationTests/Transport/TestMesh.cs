using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Plugins;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.IntegrationTests.Plugins;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>
/// N full nodes in one process, as <c>innerwarden agent</c> composes them: the real built plugins (the spec's transport,
/// <c>http</c> on a loopback port of its own by default, <c>tit-for-tat</c>, <c>threshold</c>, <c>log-only</c> enforcer), each with its own temp
/// data dir, every node configured with every other as a peer (public key known). Disposing stops every node and
/// removes the data dirs.
/// </summary>
internal sealed class TestMesh : IAsyncDisposable
{
    /// <summary>How long a test waits for something that happens over the network before it fails.</summary>
    public static readonly TimeSpan DeliveryLimit = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _root;
    private readonly Dictionary<string, TestMeshNode> _nodes = new(StringComparer.Ordinal);

    private TestMesh(TempDirectory root)
    {
        _root = root;
    }

    /// <summary>A client for talking to nodes directly, as another (or an original) node would.</summary>
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public IReadOnlyCollection<TestMeshNode> Nodes => _nodes.Values;

    public TestMeshNode this[string name] => _nodes[name];

    /// <summary>Reserves a port and creates an identity per node (so peers know each other's keys), then starts them all.</summary>
    public static Task<TestMesh> StartAsync(params TestNodeSpec[] specs) => StartAsync(concurrently: false, specs);

    /// <summary>
    /// As <see cref="StartAsync(TestNodeSpec[])"/>, but starts the nodes all at once (many nodes whose start waits on a
    /// cluster, e.g. nats nodes setting up replicated consumers).
    /// </summary>
    public static Task<TestMesh> StartConcurrentlyAsync(params TestNodeSpec[] specs) => StartAsync(concurrently: true, specs);

    private static async Task<TestMesh> StartAsync(bool concurrently, TestNodeSpec[] specs)
    {
        var mesh = new TestMesh(new TempDirectory());
        try
        {
            foreach (var spec in specs)
            {
                var dir = Path.Combine(mesh._root.Path, "node-" + spec.Name.ToLowerInvariant());
                Directory.CreateDirectory(dir);
                string nodeId;
                using (var identity = NodeIdentity.LoadOrCreate(dir))
                {
                    nodeId = identity.NodeId;
                }
                mesh._nodes.Add(spec.Name, new TestMeshNode(spec, FreeLoopbackPort(), dir, nodeId, () => mesh.ConfigFor(spec)));
            }
            if (concurrently)
            {
                await Task.WhenAll(mesh._nodes.Values.Select(node => node.StartAsync()));
            }
            else
            {
                foreach (var node in mesh._nodes.Values)
                {
                    await node.StartAsync();
                }
            }
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test naming <paramref name="what"/> after <paramref name="limit"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTimeOffset.UtcNow + (limit ?? DeliveryLimit);
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"timed out after {(limit ?? DeliveryLimit).TotalSeconds:0}s waiting for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>A fresh signal (now, by the system clock) signed by <paramref name="identity"/>.</summary>
    public static ThreatSignal Sign(NodeIdentity identity, string ip, float confidence = 0.92f, string detector = "ssh_bruteforce",
        DateTimeOffset? at = null, ulong ttlSecs = 3600) =>
        new SignalSigner(identity, TimeProvider.System).Create(ip, detector, confidence, "evidence for " + ip, ttlSecs,
            SignalTimestamp.FromDateTimeOffset(at ?? DateTimeOffset.UtcNow));

    /// <summary>POSTs a JSON body to a node's <c>/mesh/signal</c> as <c>application/json</c>; returns the status and reply body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostJsonAsync(TestMeshNode target, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        // Exactly what an original node's reqwest `.json()` sends: no charset parameter.
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync(new Uri(target.Endpoint, "/mesh/signal"), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POSTs a signal in the JSON form to a node.</summary>
    public Task<(HttpStatusCode Status, string Body)> PostAsync(TestMeshNode target, ThreatSignal signal) =>
        PostJsonAsync(target, ThreatSignalJson.ToJson(signal));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.StopAsync();
        }
        Http.Dispose();
        _root.Dispose();
    }

    private MeshConfig ConfigFor(TestNodeSpec spec)
    {
        var peers = _nodes.Values
            .Where(other => other.Name != spec.Name)
            .Select(other => new PeerInfo(other.PeerEndpoint, spec.PeerKeysUnknown ? null : other.NodeId, other.Name))
            .Concat(spec.ExtraPeers)
            .ToList();
        return MeshConfig.Default with
        {
            Enabled = true,
            Bind = $"127.0.0.1:{_nodes[spec.Name].Port}",
            InitialTrust = spec.InitialTrust,
            MaxSignalsPerHour = spec.MaxSignalsPerHour,
            Peers = peers,
            Plugins = new PluginSelection(spec.Transport, "tit-for-tat", "threshold", PluginSelection.LogOnly, []),
            PluginSettings = spec.PluginSettings,
            PluginDirectory = PluginFolders.HostPlugins(),
        };
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

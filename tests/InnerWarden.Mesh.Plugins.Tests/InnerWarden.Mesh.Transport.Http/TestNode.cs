using System.Net;
using System.Net.Sockets;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Transport.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>A started http transport on loopback with a recording sink, disposed with its data dir.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly bool _ownsDirectory;

    private TestNode(HttpMeshTransport transport, RecordingSink sink, string dataDirectory, bool ownsDirectory)
    {
        Transport = transport;
        Sink = sink;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
    }

    public HttpMeshTransport Transport { get; }
    public RecordingSink Sink { get; }
    public string DataDirectory { get; }

    /// <summary>The listen address (set once started).</summary>
    public Uri Address => Transport.ListenAddress ?? throw new InvalidOperationException("not started");

    /// <summary>The listen port as http:// (a TLS node serves plain HTTP on the same port).</summary>
    public Uri PlainAddress => new UriBuilder(Address) { Scheme = Uri.UriSchemeHttp, Port = Address.Port }.Uri;

    /// <summary>Broadcasts and waits until every peer link has delivered, refused or queued the signal for retry.</summary>
    public async Task BroadcastAsync(ThreatSignal signal)
    {
        await Transport.BroadcastAsync(signal, CancellationToken.None);
        await Transport.WhenSentAsync();
    }

    public static async Task<TestNode> StartAsync(
        IEnumerable<Uri>? peers = null,
        HttpTransportOptions? options = null,
        TimeProvider? time = null,
        int port = 0,
        string? dataDirectory = null,
        RecordingSink? sink = null,
        ILoggerFactory? logs = null)
    {
        bool ownsDirectory = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("iw-transport-").FullName;
        var settings = Settings($"127.0.0.1:{port}", dataDirectory, peers);
        var transport = new HttpMeshTransport(options ?? new HttpTransportOptions(), settings, new PlainDataFiles(dataDirectory),
            time ?? new FakeTimeProvider(DateTimeOffset.UtcNow), logs ?? NullLoggerFactory.Instance);
        var node = new TestNode(transport, sink ?? new RecordingSink(), dataDirectory, ownsDirectory);
        await transport.StartAsync(node.Sink, CancellationToken.None);
        return node;
    }

    public static NodeSettings Settings(string bind, string dataDirectory, IEnumerable<Uri>? peers) =>
        new(bind, dataDirectory, TimeSpan.FromSeconds(30), AutoBroadcast: true, MaxSignalsPerHour: 50, MaxStaged: 10_000,
            InitialTrust: 0.5, (peers ?? []).Select(uri => new PeerInfo(uri, null, null)).ToArray(), []);

    /// <summary>A loopback port that was free a moment ago and is closed now (a peer that is down).</summary>
    public static int ReservePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        if (!_ownsDirectory)
        {
            return;
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir left behind is harmless.
        }
    }
}

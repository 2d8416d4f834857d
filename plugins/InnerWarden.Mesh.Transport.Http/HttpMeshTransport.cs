using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Transport.Http.Client;
using InnerWarden.Mesh.Transport.Http.Server;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Http;

/// <summary>
/// The <c>http</c> transport: <see cref="MeshHttpServer"/> inbound, one <see cref="PeerLink"/> per configured peer
/// outbound over one shared <see cref="PeerClient"/>. Holds no static state, so several nodes can live in one process.
/// </summary>
internal sealed class HttpMeshTransport : IMeshTransport, IAsyncDisposable, IDisposable
{
    private readonly MeshHttpServer _server;
    private readonly PeerClient _client;
    private readonly PeerLink[] _links;

    public HttpMeshTransport(HttpTransportOptions options, NodeSettings settings, IPrivateDataFiles files, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _server = new MeshHttpServer(options, settings.Bind, settings.DataDirectory, files, time, loggerFactory);
        _client = new PeerClient(options, loggerFactory.CreateLogger<PeerClient>());
        var linkLogger = loggerFactory.CreateLogger<PeerLink>();
        _links = settings.Peers
            .DistinctBy(peer => peer.Endpoint)
            .Select(peer => new PeerLink(peer, _client, options, time, linkLogger))
            .ToArray();
    }

    public Uri? ListenAddress => _server.ListenAddress;

    public Task StartAsync(ISignalSink sink, CancellationToken cancellationToken) => _server.StartAsync(sink, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    /// <summary>Hands the signal to every peer's own send queue and returns: no peer, slow or dead, holds up the caller or another peer.</summary>
    public Task BroadcastAsync(ThreatSignal signal, CancellationToken cancellationToken)
    {
        foreach (var link in _links)
        {
            link.Post(signal);
        }
        return Task.CompletedTask;
    }

    /// <summary>Pings any endpoint; a configured peer's link also learns its encoding and last contact.</summary>
    public Task<PeerPingReply?> PingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        foreach (var link in _links)
        {
            if (link.Peer.Endpoint == endpoint)
            {
                return link.PingAsync(cancellationToken);
            }
        }
        return PingOnceAsync(endpoint, cancellationToken);
    }

    private async Task<PeerPingReply?> PingOnceAsync(Uri endpoint, CancellationToken cancellationToken) =>
        (await _client.PingAsync(endpoint, cancellationToken).ConfigureAwait(false)).Reply;

    public IReadOnlyList<PeerLinkStatus> GetPeerLinks() => _links.Select(link => link.GetStatus()).ToArray();

    /// <summary>Completes when every peer has delivered, refused or queued for retry each signal broadcast so far (tests).</summary>
    internal Task WhenSentAsync() => Task.WhenAll(_links.Select(link => link.WhenSent));

    /// <summary>As <see cref="WhenSentAsync"/>, and no outbox flush is running (tests advance a fake clock, then wait for this).</summary>
    internal async Task WhenOutboxIdleAsync()
    {
        await WhenSentAsync().ConfigureAwait(false);
        await Task.WhenAll(_links.Select(link => link.WhenIdle)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        DisposeClientSide();
    }

    public void Dispose()
    {
        _server.Dispose();
        DisposeClientSide();
    }

    private void DisposeClientSide()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }
        _client.Dispose();
    }
}

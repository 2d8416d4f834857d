using System.Net;
using System.Net.Http.Headers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Transport.Common.Wire;
using InnerWarden.Mesh.Transport.Http.Wire;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Http.Client;

/// <summary>
/// The outbound HTTP side: one connection pool (SocketsHttpHandler) per transport instance, shared by all peers.
/// Request methods throw on network failure so the caller's circuit breaker sees it; they never retry themselves.
/// </summary>
internal sealed partial class PeerClient : IDisposable
{
    private const int MaxPingReplyBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    public PeerClient(HttpTransportOptions options, ILogger logger)
    {
        _timeout = options.Timeout;
        _logger = logger;
#pragma warning disable CA2000 // Owned by _http (disposeHandler: true), disposed with it in Dispose.
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Timeout,
            // Re-resolve peer names now and then: a peer's address may move.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = 8,
            AllowAutoRedirect = false,
            // Mesh traffic goes straight to the peer; an environment proxy has no business seeing it.
            UseProxy = false,
        };
#pragma warning restore CA2000
        if (!options.VerifyPeerCertificates)
        {
            // Peers are authenticated by the Ed25519 signature on every signal and by the node_id their ping
            // must match, not by certificates; most run the self-signed certificate this transport makes.
            // TLS is there to keep onlookers out, so any server certificate is accepted unless tls_verify is set.
#pragma warning disable CA5359 // Certificate validation is deliberately off; see the comment above.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        _http = new HttpClient(handler, disposeHandler: true)
        {
            // Timeouts are per request (linked token below) so one slow peer cannot hold the others.
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = 1024 * 1024,
        };
    }

    /// <summary>GET /mesh/ping; null when the peer does not answer in time or answers with something else.</summary>
    public async Task<PeerPingReply?> PingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        using var timeout = LinkedTimeout(cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Combine(endpoint, "/mesh/ping"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.Json));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogPingFailed(_logger, endpoint, response.StatusCode);
                return null;
            }
            if (response.Content.Headers.ContentLength is > MaxPingReplyBytes)
            {
                LogPingFailed(_logger, endpoint, "reply too large");
                return null;
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var reply = PingReplyJson.Parse(bytes, out var error);
            if (reply is null)
            {
                LogPingFailed(_logger, endpoint, error ?? "unreadable reply");
            }
            return reply;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException
            && !cancellationToken.IsCancellationRequested)
        {
            LogPingFailed(_logger, endpoint, ex.Message);
            return null;
        }
    }

    /// <summary>POST /mesh/signal in the given encoding.</summary>
    public Task<DeliveryOutcome> PostSignalAsync(Uri endpoint, ThreatSignal signal, bool msgpack, CancellationToken cancellationToken)
    {
        var body = msgpack ? MessagePackSignal.ToBytes(signal) : ThreatSignalJson.ToUtf8Bytes(signal);
        return PostAsync(Combine(endpoint, "/mesh/signal"), body, msgpack ? MediaTypes.MessagePack : MediaTypes.Json, cancellationToken);
    }

    /// <summary>POST /mesh/signals (MessagePack only; this project's nodes).</summary>
    public Task<DeliveryOutcome> PostBatchAsync(Uri endpoint, IReadOnlyList<ThreatSignal> signals, CancellationToken cancellationToken) =>
        PostAsync(Combine(endpoint, "/mesh/signals"), MessagePackSignal.BatchToBytes(signals), MediaTypes.MessagePack, cancellationToken);

    private async Task<DeliveryOutcome> PostAsync(Uri uri, byte[] body, string mediaType, CancellationToken cancellationToken)
    {
        using var timeout = LinkedTimeout(cancellationToken);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return Classify(response.StatusCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our own timeout, not the caller's cancellation: a failure of this peer.
            throw new TimeoutException($"{uri} did not answer within {_timeout.TotalMilliseconds} ms");
        }
    }

    internal static DeliveryOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => DeliveryOutcome.Delivered,
        404 or 405 or 415 => DeliveryOutcome.Unsupported,
        408 or >= 500 => DeliveryOutcome.Transient,
        _ => DeliveryOutcome.Refused,
    };

    // Network timeouts run on the wall clock on purpose: they bound real socket waits, which a test's fake
    // clock does not drive. Retry schedules and breaker windows use the TimeProvider.
    private CancellationTokenSource LinkedTimeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(_timeout);
        return source;
    }

    private static Uri Combine(Uri endpoint, string path) => new(endpoint.ToString().TrimEnd('/') + path);

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 3130, Level = LogLevel.Debug, Message = "ping of {Endpoint} failed: {Reason}")]
    private static partial void LogPingFailed(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(EventId = 3131, Level = LogLevel.Debug, Message = "ping of {Endpoint} failed: HTTP {Status}")]
    private static partial void LogPingFailed(ILogger logger, Uri endpoint, System.Net.HttpStatusCode status);
}

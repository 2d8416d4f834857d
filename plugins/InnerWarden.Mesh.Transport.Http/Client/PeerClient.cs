using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using InnerWarden.Mesh.Contracts.Signals;
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

    /// <summary>GET /mesh/ping: the reply, or why there is none (the peer did not answer in time, or with something else).</summary>
    public async Task<PingOutcome> PingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        using var timeout = LinkedTimeout(cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Combine(endpoint, "/mesh/ping"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.Json));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(endpoint, string.Create(CultureInfo.InvariantCulture, $"ping answered HTTP {(int)response.StatusCode}"));
            }
            if (response.Content.Headers.ContentLength is > MaxPingReplyBytes)
            {
                return Failed(endpoint, "ping reply too large");
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var reply = PingReplyJson.Parse(bytes, out var error);
            return reply is null ? Failed(endpoint, "unreadable ping reply: " + (error ?? "not a ping reply")) : new PingOutcome(reply, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException
            && !cancellationToken.IsCancellationRequested)
        {
            return Failed(endpoint, await DescribeAsync(endpoint, ex, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// <see cref="PeerProblem.Describe"/> of a failed request, sharpened by probes where the failure looks like a scheme
    /// mismatch: a TLS handshake that failed on an https:// peer that cannot do TLS but answers plain HTTP, or a
    /// connection an http:// peer closed without a reply while it answers HTTPS. Only failures pay for a probe, and a
    /// link reports a cause once per change, so probing stays as rare as the failures.
    /// </summary>
    public async Task<string> DescribeAsync(Uri endpoint, Exception failure, CancellationToken cancellationToken)
    {
        bool https = endpoint.Scheme == Uri.UriSchemeHttps;
        var other = new UriBuilder(endpoint) { Scheme = https ? Uri.UriSchemeHttp : Uri.UriSchemeHttps, Port = endpoint.Port }.Uri;
        if (https && PeerProblem.IsTlsFailure(failure)
            // A peer that completes a handshake speaks TLS: its certificate was refused (tls_verify), not its protocol.
            && !await CompletesTlsHandshakeAsync(endpoint, cancellationToken).ConfigureAwait(false)
            && await AnswersAsync(other, cancellationToken).ConfigureAwait(false))
        {
            return PeerProblem.PlainHttpPeer;
        }
        if (!https && PeerProblem.IsClosedBeforeReply(failure) && await AnswersAsync(other, cancellationToken).ConfigureAwait(false))
        {
            return PeerProblem.HttpsOnlyPeer;
        }
        return PeerProblem.Describe(failure, _timeout);
    }

    // A bare TLS handshake that accepts any certificate: does the peer speak TLS at all?
    private async Task<bool> CompletesTlsHandshakeAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        using var timeout = LinkedTimeout(cancellationToken);
        var host = endpoint.IdnHost.TrimStart('[').TrimEnd(']');
        try
        {
            using var tcp = new TcpClient(IPAddress.TryParse(host, out var literal) ? literal.AddressFamily : AddressFamily.InterNetworkV6);
            if (literal is null)
            {
                tcp.Client.DualMode = true;
            }
            await tcp.ConnectAsync(host, endpoint.Port, timeout.Token).ConfigureAwait(false);
            var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await using (tls.ConfigureAwait(false))
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = host,
#pragma warning disable CA5359 // A probe of the protocol only: nothing is sent over it, its certificate does not matter.
                    RemoteCertificateValidationCallback = static (_, _, _, _) => true,
#pragma warning restore CA5359
                }, timeout.Token).ConfigureAwait(false);
            }
            return true;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    // Any HTTP reply at all, whatever its status: the peer speaks this scheme.
    private async Task<bool> AnswersAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        using var timeout = LinkedTimeout(cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Combine(endpoint, "/mesh/ping"));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException
            && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private PingOutcome Failed(Uri endpoint, string problem)
    {
        LogPingFailed(_logger, endpoint, problem);
        return new PingOutcome(null, problem);
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
}

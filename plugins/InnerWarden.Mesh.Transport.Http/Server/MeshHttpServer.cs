using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using InnerWarden.Mesh.Contracts.Diagnostics;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Transport.Common.Wire;
using InnerWarden.Mesh.Transport.Http.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Http.Server;

/// <summary>
/// The inbound side: a Kestrel server of its own (no process-wide state, so several nodes can share a process)
/// serving <c>POST /mesh/signal</c>, <c>POST /mesh/signals</c> and <c>GET /mesh/ping</c>. It only reads bodies and
/// hands signals to the sink; judging them is the host's job. No exception from a body escapes a request.
/// </summary>
internal sealed partial class MeshHttpServer(
    HttpTransportOptions options,
    string bind,
    string dataDirectory,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IAsyncDisposable, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<MeshHttpServer>();
    private readonly RequestFaultLog _faults = new(loggerFactory.CreateLogger<MeshHttpServer>(), time);
    private WebApplication? _app;
    private ISignalSink? _sink;

    public Uri? ListenAddress { get; private set; }

    public async Task StartAsync(ISignalSink sink, CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("the http transport is already started");
        }
        _sink = sink;
        var endpoint = BindAddress.Parse(bind);
        X509Certificate2? certificate = options.ServesTls ? TlsCertificate.Load(options, dataDirectory, time, _logger) : null;

        // The empty builder reads no appsettings or environment: a node's listener is configured by the node alone.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.RemoveAll<ILoggerFactory>();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.TryAddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Math.Max(options.MaxBodyBytes, options.MaxBatchBodyBytes);
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 50;
            kestrel.Limits.MaxRequestLineSize = 4 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Listen(endpoint, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault();
        ListenAddress = address is null ? null : new Uri(address);
        LogListening(_logger, ListenAddress?.ToString() ?? bind, certificate is not null);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    public void Dispose()
    {
        // The synchronous path (a DI container disposed without await): no graceful drain, just release the socket.
        var app = _app;
        _app = null;
        ((IDisposable?)app)?.Dispose();
    }

    /// <summary>
    /// The last-resort guard around every request: whatever a body, header or framing makes fail that no check
    /// foresaw is answered 400 with a reason (413 when it was the size), never Kestrel's 500 with a stack trace in
    /// the journal; the fault is logged once per minute per cause (<see cref="RequestFaultLog"/>).
    /// </summary>
    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RouteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
#pragma warning disable CA1031 // The last resort: whatever a request made fail is answered and logged here, never by Kestrel as a 500.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _faults.Report(context.Request.Path.Value ?? "", Remote(context), ex);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }
            int status = ex is Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                ? StatusCodes.Status413PayloadTooLarge
                : StatusCodes.Status400BadRequest;
            context.Response.Clear();
            await ReplyPlainAsync(context, status, "unprocessable request (" + ex.GetType().Name + ")").ConfigureAwait(false);
        }
    }

    private Task RouteAsync(HttpContext context)
    {
        var request = context.Request;
        return request.Path.Value switch
        {
            "/mesh/signal" when HttpMethods.IsPost(request.Method) => HandleSignalAsync(context),
            "/mesh/signals" when HttpMethods.IsPost(request.Method) => HandleBatchAsync(context),
            "/mesh/ping" when HttpMethods.IsGet(request.Method) => HandlePingAsync(context),
            "/mesh/signal" or "/mesh/signals" or "/mesh/ping" => ReplyPlainAsync(context, StatusCodes.Status405MethodNotAllowed, "method not allowed"),
            _ => ReplyPlainAsync(context, StatusCodes.Status404NotFound, "not found"),
        };
    }

    private Task HandleSignalAsync(HttpContext context)
    {
        var encoding = MediaTypes.EncodingOf(context.Request.ContentType);
        // Reply in msgpack when the request speaks or asks for it; JSON otherwise (what the original reads).
        bool replyMsgpack = encoding == MediaTypes.MessagePackName
            || MediaTypes.EncodingOf(context.Request.Headers.Accept.ToString()) == MediaTypes.MessagePackName;
        var typeError = encoding is null
            ? $"unsupported content type '{context.Request.ContentType}': send {MediaTypes.Json} or {MediaTypes.MessagePack}"
            : null;
        return ReceiveAsync(context, typeError, replyMsgpack, options.MaxBodyBytes, async bytes =>
        {
            var parsed = encoding == MediaTypes.JsonName
                ? ThreatSignalJson.Parse(bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray())
                : MessagePackSignal.Parse(bytes);
            SignalVerdict verdict;
            if (parsed.Signal is { } signal)
            {
                // encoding is non-null here: a null one was answered with 415 before the body was read.
                verdict = await SubmitAsync(context, signal, encoding!).ConfigureAwait(false);
            }
            else
            {
                LogUnreadable(_logger, new RemoteText(context.Connection), encoding!, LogText.Bounded(parsed.Error));
                verdict = SignalVerdict.ParseFailure(parsed.Error ?? "unreadable signal");
            }
            await ReplyAsync(context, verdict.HttpStatus, replyMsgpack, verdict).ConfigureAwait(false);
        });
    }

    private Task HandleBatchAsync(HttpContext context)
    {
        bool replyMsgpack = MediaTypes.EncodingOf(context.Request.Headers.Accept.ToString()) != MediaTypes.JsonName;
        var typeError = MediaTypes.EncodingOf(context.Request.ContentType) != MediaTypes.MessagePackName
            ? $"unsupported content type '{context.Request.ContentType}': a batch is {MediaTypes.MessagePack}"
            : null;
        return ReceiveAsync(context, typeError, replyMsgpack, options.MaxBatchBodyBytes, async bytes =>
        {
            var items = new List<SignalParseResult>();
            var batchError = MessagePackSignal.ParseBatch(bytes, items);
            if (batchError is not null)
            {
                LogUnreadable(_logger, new RemoteText(context.Connection), "msgpack batch", LogText.Bounded(batchError));
                await ReplyAsync(context, StatusCodes.Status400BadRequest, replyMsgpack, SignalVerdict.ParseFailure(batchError)).ConfigureAwait(false);
                return;
            }
            // One at a time, in order: the host's rate limit and dedup see the batch as the sender sent it.
            var verdicts = new SignalVerdict[items.Count];
            for (int i = 0; i < items.Count; i++)
            {
                verdicts[i] = items[i].Signal is { } signal
                    ? await SubmitAsync(context, signal, MediaTypes.MessagePackName).ConfigureAwait(false)
                    : SignalVerdict.ParseFailure($"signal {i}: {items[i].Error}");
            }
            // One signal the host could not commit makes the whole batch 503: the sender resends it, and what was
            // committed meanwhile is answered duplicate then.
            int status = Array.Exists(verdicts, v => v.Reason == RejectReason.StateUnavailable)
                ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            await WriteAsync(context, status, replyMsgpack,
                replyMsgpack ? SignalReply.ToMessagePack(verdicts) : SignalReply.ToJson(verdicts)).ConfigureAwait(false);
        });
    }

    /// <summary>The common front of both POST endpoints: 415 for a wrong type, 413/400 for an unreadable body, else handle it.</summary>
    private async Task ReceiveAsync(
        HttpContext context, string? typeError, bool replyMsgpack, long limit, Func<ReadOnlySequence<byte>, Task> handle)
    {
        if (typeError is not null)
        {
            await ReplyAsync(context, StatusCodes.Status415UnsupportedMediaType, replyMsgpack, SignalVerdict.ParseFailure(typeError)).ConfigureAwait(false);
            return;
        }
        var body = await ReadBodyAsync(context, limit).ConfigureAwait(false);
        if (body.Error is not null)
        {
            await ReplyAsync(context, body.Status, replyMsgpack, SignalVerdict.ParseFailure(body.Error)).ConfigureAwait(false);
            return;
        }
        try
        {
            await handle(body.Bytes).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            // Judging failed in a way no check foresaw. A 5xx would invite every sender to retry what may be a
            // hostile input forever; a 400 with the reason ends it, and the journal gets one line per minute.
            _faults.Report(context.Request.Path.Value ?? "", Remote(context), ex);
            await ReplyAsync(context, StatusCodes.Status400BadRequest, replyMsgpack,
                SignalVerdict.ParseFailure("unprocessable signal (" + ex.GetType().Name + ")")).ConfigureAwait(false);
        }
        finally
        {
            body.Complete(context);
        }
    }

    private async Task HandlePingAsync(HttpContext context)
    {
        // The sink is set before the server starts; a null here would be a bug in StartAsync.
        var status = _sink!.GetStatus();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = MediaTypes.Json;
        await context.Response.Body.WriteAsync(PingReplyJson.Write(status), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<SignalVerdict> SubmitAsync(HttpContext context, ThreatSignal signal, string encoding)
    {
        var origin = new SignalOrigin(Remote(context), encoding);
        // The sink is set before the server starts.
        return await _sink!.SubmitAsync(signal, origin, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the whole body (bounded) without copying it: the pipe keeps it until <see cref="Body.Complete"/>.
    /// Oversize is reported as 413 both when Content-Length says so and when the body runs past the limit.
    /// </summary>
    private static async Task<Body> ReadBodyAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            // The per-request limit is left at the server-wide one here, so Kestrel drains the unread body after
            // the 413 and the client reads the reply instead of a reset connection.
            return Body.Failed(StatusCodes.Status413PayloadTooLarge, $"body of {declared} bytes is over the limit of {limit}");
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }
        var reader = context.Request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (result.Buffer.Length > limit)
                {
                    reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    return Body.Failed(StatusCodes.Status413PayloadTooLarge, $"body is over the limit of {limit} bytes");
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    return new Body(result.Buffer, null, StatusCodes.Status200OK);
                }
                // Examined everything, consumed nothing: the next read returns the whole body so far plus more.
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
        {
            return Body.Failed(ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"body is over the limit of {limit} bytes" : "unreadable body: " + ex.Message);
        }
        catch (IOException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Broken framing Kestrel reports as I/O, not as a bad request: a chunk size that overflows, say.
            return Body.Failed(StatusCodes.Status400BadRequest, "unreadable body: " + ex.Message);
        }
    }

    private readonly record struct Body(ReadOnlySequence<byte> Bytes, string? Error, int Status)
    {
        public static Body Failed(int status, string error) => new(default, error, status);

        public void Complete(HttpContext context) => context.Request.BodyReader.AdvanceTo(Bytes.End);
    }

    private static Task ReplyAsync(HttpContext context, int status, bool msgpack, SignalVerdict verdict) =>
        WriteAsync(context, status, msgpack, msgpack ? SignalReply.ToMessagePack(verdict) : SignalReply.ToJson(verdict));

    private static async Task WriteAsync(HttpContext context, int status, bool msgpack, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = msgpack ? MediaTypes.MessagePack : MediaTypes.Json;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task ReplyPlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static string Remote(HttpContext context) => new RemoteText(context.Connection).ToString();

    /// <summary>A connection's remote end as log text, formatted only when a log line is written.</summary>
    private readonly record struct RemoteText(ConnectionInfo Connection)
    {
        public override string ToString() =>
            Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, Connection.RemotePort).ToString() : "unknown";
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "mesh transport listening on {Address} (tls: {Tls})")]
    private static partial void LogListening(ILogger logger, string address, bool tls);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "refused an unreadable {Encoding} signal from {Remote}: {Error}")]
    private static partial void LogUnreadable(ILogger logger, RemoteText remote, string encoding, string error);
}

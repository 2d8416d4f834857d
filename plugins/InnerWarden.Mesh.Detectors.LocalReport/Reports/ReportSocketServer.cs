using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Diagnostics;
using InnerWarden.Mesh.Detectors.Files;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.LocalReport.Reports;

/// <summary>
/// Listens on a Unix domain socket readable and writable only by the agent's user (0600) and takes one JSON request
/// per connection. Each client is served on its own task with a bounded request size and a read timeout, so a slow or
/// hostile client costs one slot, never the listener.
/// </summary>
internal sealed partial class ReportSocketServer : IAsyncDisposable
{
    /// <summary>Largest request accepted (evidence of 64 KiB may double in size when JSON-escaped).</summary>
    public const int MaxRequestBytes = 256 * 1024;

    private readonly LocalReportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChannelWriter<Detection> _output;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    public ReportSocketServer(LocalReportOptions options, TimeProvider time, ILogger logger, ChannelWriter<Detection> output)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _output = output;
        _slots = new SemaphoreSlim(options.MaxConcurrentClients, options.MaxConcurrentClients);
    }

    /// <summary>Binds the socket (0600) and starts accepting. Throws when the path is taken by something that is not a stale socket.</summary>
    public void Start()
    {
        var path = _options.SocketPath;
        RemoveStaleSocket(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            // Nobody can connect before listen(), so tightening the mode here leaves no window open.
            // (The plugin is declared for linux and osx; Windows has no file modes, only the data directory's ACL.)
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        LogListening(_logger, path);
#pragma warning disable CA2025 // StopAsync disposes the listener on purpose to end a pending Accept, then awaits the loop, which treats that as its end.
        _acceptLoop = AcceptLoopAsync(listener, _stop.Token);
#pragma warning restore CA2025
    }

    private void RemoveStaleSocket(string path)
    {
        if (FileIdentity.TryOfPath(path, out var identity))
        {
            switch (identity.Kind)
            {
                case FileKind.Missing:
                    return;
                case FileKind.Socket:
                    break;
                default:
                    throw new InvalidOperationException($"local-report: refusing to start: {path} exists and is not a socket; remove it or set plugin_settings.local-report.socket_path");
            }
        }
        else if (!File.Exists(path))
        {
            return;
        }
        // A socket that accepts a connection belongs to a running agent; taking it over would orphan that one.
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new InvalidOperationException($"local-report: refusing to start: another process is listening on {path}");
            }
            catch (SocketException)
            {
                // Nobody listening: stale, left by an agent that did not shut down cleanly.
            }
        }
        File.Delete(path);
        LogRemovedStale(_logger, path);
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, ex.Message);
                continue;
            }
            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        using (client)
        {
            if (!_slots.Wait(0, CancellationToken.None))
            {
                await ReplyAsync(client, "agent busy: too many report clients at once", cancellationToken).ConfigureAwait(false);
                return;
            }
            try
            {
                using var timeout = new CancellationTokenSource(_options.ReadTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                string? error;
                try
                {
                    error = await HandleAsync(client, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    error = $"request not received within {_options.ReadTimeout.TotalSeconds:0} s";
                }
                if (error is not null)
                {
                    LogRejected(_logger, LogText.Bounded(error));
                }
                await ReplyAsync(client, error, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the agent is stopping; nothing to answer.
            }
            finally
            {
                _slots.Release();
            }
        }
    }

    private async Task<string?> HandleAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestBytes + 1];
        var length = 0;
        while (true)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            var newline = buffer.AsSpan(length, read).IndexOf((byte)'\n');
            length += read;
            if (newline >= 0)
            {
                length = length - read + newline;
                break;
            }
            if (length > MaxRequestBytes)
            {
                return $"request larger than {MaxRequestBytes} bytes";
            }
        }
        if (length == 0)
        {
            return "empty request";
        }
        var error = ReportRequestParser.TryParse(buffer.AsSpan(0, length), _time.GetUtcNow(), out var detection);
        if (error is not null)
        {
            return error;
        }
        if (!_output.TryWrite(detection!))
        {
            return "agent busy: detection queue full, try again";
        }
        LogAccepted(_logger, detection!.Ip, detection.Detector, detection.Confidence);
        return null;
    }

    private static async Task ReplyAsync(Socket client, string? error, CancellationToken cancellationToken)
    {
        var reply = error is null
            ? "{\"ok\":true}\n"
            : "{\"ok\":false,\"error\":" + JsonSerializer.Serialize(error) + "}\n";
        await client.SendAsync(Encoding.UTF8.GetBytes(reply), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        if (_listener is not null)
        {
            try
            {
                File.Delete(_options.SocketPath);
            }
            catch (IOException)
            {
                // Left behind; the next start removes it as stale.
            }
        }
        _stop.Dispose();
        _slots.Dispose();
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Debug, Message = "local-report listening on {Path} (mode 0600)")]
    private static partial void LogListening(ILogger logger, string path);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Information, Message = "Removed stale report socket {Path}")]
    private static partial void LogRemovedStale(ILogger logger, string path);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "Accepting a report client failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Warning, Message = "Rejected local report: {Error}")]
    private static partial void LogRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Information, Message = "Local report: {Ip} by {Detector} (confidence {Confidence})")]
    private static partial void LogAccepted(ILogger logger, System.Net.IPAddress ip, string detector, float confidence);
}

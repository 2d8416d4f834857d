using System.Globalization;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Transport.Common.Wire;
using InnerWarden.Mesh.Transport.Nats.Connection;
using InnerWarden.Mesh.Transport.Nats.Wire;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace InnerWarden.Mesh.Transport.Nats.Inbound;

/// <summary>
/// Reads the stream through this node's consumer and hands every signal to the host unjudged. A message is
/// acknowledged only after <see cref="ISignalSink.SubmitAsync"/> returned (the host's durable commit point), whatever
/// its verdict: a refused signal is refused for good. When the host fails, the message is nak'ed with a growing delay
/// and comes back. A message that is not a signal is counted, logged at most once a minute per cause, and
/// acknowledged: redelivery cannot repair it. Whatever goes wrong with the cluster, the consumer is set up again.
/// </summary>
internal sealed partial class SignalConsumer
{
    /// <summary>Signals handed to the host at once.</summary>
    public const int MaxConcurrentSubmits = 16;

    private static readonly TimeSpan MaxNakDelay = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxSetupDelay = TimeSpan.FromSeconds(30);

    private readonly MeshNatsConnection _connection;
    private readonly SignalStream _stream;
    private readonly NatsTransportOptions _options;
    private readonly ISignalSink _sink;
    private readonly string _nodeId;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _consuming;
    private long _received;
    private long _sinkFailures;
    private string? _lastSetupError;

    public SignalConsumer(MeshNatsConnection connection, SignalStream stream, NatsTransportOptions options, ISignalSink sink, string nodeId,
        MalformedMessages malformed, ILogger logger)
    {
        _connection = connection;
        _stream = stream;
        _options = options;
        _sink = sink;
        _nodeId = nodeId;
        Malformed = malformed;
        _logger = logger;
    }

    /// <summary>Completes when the consumer is first set up and pulling.</summary>
    public Task Ready => _ready.Task;

    /// <summary>True while a consumer is set up and pulling.</summary>
    public bool IsConsuming => _consuming;

    /// <summary>Messages taken from the stream since start (signals or not).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Times the host failed to take a signal (each nak'ed for redelivery).</summary>
    public long SinkFailures => Interlocked.Read(ref _sinkFailures);

    public MalformedMessages Malformed { get; }

    /// <summary>
    /// Until <paramref name="stopping"/>: connect, find or create the stream, set up the consumer, consume; on any
    /// failure wait (1 s doubling to 30 s) and set up again. <paramref name="hardStop"/> cancels a submit in progress.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping, CancellationToken hardStop)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _connection.ConnectAsync().WaitAsync(stopping).ConfigureAwait(false);
                await _stream.EnsureAsync(_connection.JetStream, stopping).ConfigureAwait(false);
                var consumer = await _stream.ConsumerAsync(_connection.JetStream, _nodeId, stopping).ConfigureAwait(false);
                if (_lastSetupError is not null)
                {
                    LogSetupRecovered(_logger, _options.Stream);
                    _lastSetupError = null;
                }
                LogConsuming(_logger, _options.Stream, consumer.Info.Name, _options.CatchUp ? "catching up from where it left off" : "new signals only",
                    consumer.Info.NumPending);
                delay = TimeSpan.FromSeconds(1);
                await ConsumeAsync(consumer, stopping, hardStop).ConfigureAwait(false);
                if (!stopping.IsCancellationRequested)
                {
                    LogConsumeEnded(_logger, _options.Stream);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (IsClusterFailure(ex))
            {
                _consuming = false;
                // One line per distinct problem, not one per retry: a cluster down for an hour is one warning.
                if (ex.Message != _lastSetupError)
                {
                    _lastSetupError = ex.Message;
                    LogSetupFailed(_logger, _options.Stream, ex.Message);
                }
            }
            _consuming = false;
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxSetupDelay.Ticks));
        }
    }

    private async Task ConsumeAsync(INatsJSConsumer consumer, CancellationToken stopping, CancellationToken hardStop)
    {
        var consumeOptions = new NatsJSConsumeOpts
        {
            // Few enough buffered that none waits out the ack wait behind the others, enough to stream a catch-up.
            MaxMsgs = 64,
            // A pull lives 10 s and the server sends a heartbeat every 2 s while idle: when the consumer's leader moves
            // (its server died), the missing heartbeats show it within seconds and the client pulls again, instead of
            // waiting out the default 30 s pull. An idle node costs one small request per 10 s.
            Expires = TimeSpan.FromSeconds(10),
            IdleHeartbeat = TimeSpan.FromSeconds(2),
            // On stop: stop pulling, hand over what is buffered, ack it, then end (nothing waits for ack_wait).
            DrainOnCancel = true,
            NotificationHandler = (notification, _) =>
            {
                LogNotification(_logger, _options.Stream, notification.Name);
                return Task.CompletedTask;
            },
        };
        _consuming = true;
        _ready.TrySetResult();
        // Several signals are judged at once, so the host can commit them together (a durable commit per message in
        // a row would cap a catch-up at the disk's sync rate); each is acknowledged when its own submit returned.
        using var slots = new SemaphoreSlim(MaxConcurrentSubmits, MaxConcurrentSubmits);
        try
        {
            await foreach (var message in consumer.ConsumeAsync(SignalCodec.Instance, consumeOptions, stopping).ConfigureAwait(false))
            {
                await slots.WaitAsync(hardStop).ConfigureAwait(false);
#pragma warning disable CA2025 // Not awaited here on purpose (several at once); the finally below waits for every slot before the semaphore is disposed.
                _ = HandleInSlotAsync(message, slots, hardStop);
#pragma warning restore CA2025
            }
        }
        finally
        {
            // Every submit in flight finishes (and is acknowledged) before the consumer counts as stopped.
            for (int i = 0; i < MaxConcurrentSubmits; i++)
            {
                await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            _consuming = false;
        }
    }

    private async Task HandleInSlotAsync(INatsJSMsg<DecodedSignal> message, SemaphoreSlim slots, CancellationToken hardStop)
    {
        try
        {
            await HandleAsync(message, hardStop).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsClusterFailure(ex) || ex is OperationCanceledException)
        {
            // The acknowledgement did not go out: the server hands the message out again after the ack wait, and the
            // host answers the repeat as a duplicate.
            LogAckFailed(_logger, message.Metadata?.Sequence.Stream ?? 0, ex.Message);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task HandleAsync(INatsJSMsg<DecodedSignal> message, CancellationToken hardStop)
    {
        Interlocked.Increment(ref _received);
        _connection.MarkContact();
        ulong sequence = message.Metadata?.Sequence.Stream ?? 0;
        var decoded = message.Data;
        if (decoded.Signal is not { } signal)
        {
            // Default(DecodedSignal) when the client skipped an empty payload.
            var cause = decoded.Cause == MalformedCause.None ? MalformedCause.Empty : decoded.Cause;
            Malformed.Record(cause, decoded.Detail ?? "the message has no payload", sequence);
            await message.AckAsync(cancellationToken: hardStop).ConfigureAwait(false);
            return;
        }
        var origin = new SignalOrigin(string.Create(CultureInfo.InvariantCulture, $"{_connection.Server} {_options.Stream}#{sequence}"),
            MessagePackSignal.EncodingName);
        try
        {
            var verdict = await _sink.SubmitAsync(signal, origin, hardStop).ConfigureAwait(false);
            if (verdict.Reason == RejectReason.StateUnavailable)
            {
                // The host could not commit it: not acknowledged, so the stream redelivers it (NAK with backoff below).
                throw new InvalidOperationException(verdict.Error ?? "the host could not commit the signal");
            }
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
        {
            // Stopping mid-submit: hand it back at once, so the next start (or another pull) gets it without waiting for ack_wait.
            await NakQuietlyAsync(message, TimeSpan.Zero).ConfigureAwait(false);
            throw;
        }
#pragma warning disable CA1031 // The sink is the host's: whatever it throws, the message must come back later and the consumer go on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            long failures = Interlocked.Increment(ref _sinkFailures);
            var nakDelay = NakDelay(message.Metadata?.NumDelivered ?? 1);
            LogSinkFailed(_logger, signal.NodeId, signal.Ip, sequence, nakDelay.TotalSeconds, failures, ex.Message, ex);
            await NakQuietlyAsync(message, nakDelay).ConfigureAwait(false);
            return;
        }
        await message.AckAsync(cancellationToken: hardStop).ConfigureAwait(false);
    }

    // 1 s, 2 s, 4 s ... up to a minute: a host that cannot commit is not hammered, and the stream's hour bounds the tries.
    internal static TimeSpan NakDelay(ulong delivered)
    {
        int doublings = (int)Math.Min(delivered == 0 ? 0 : delivered - 1, 6);
        var delay = TimeSpan.FromSeconds(1 << doublings);
        return delay < MaxNakDelay ? delay : MaxNakDelay;
    }

    private async Task NakQuietlyAsync(INatsJSMsg<DecodedSignal> message, TimeSpan delay)
    {
        try
        {
            await message.NakAsync(new AckOpts { NakDelay = delay }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsClusterFailure(ex))
        {
            // Not nak'ed: the server redelivers it after ack_wait all the same.
            LogNakFailed(_logger, ex.Message);
        }
    }

    private static bool IsClusterFailure(Exception ex) =>
        ex is NatsException or TimeoutException or IOException or InvalidOperationException
            || (ex is OperationCanceledException oce && !oce.CancellationToken.IsCancellationRequested);

    [LoggerMessage(EventId = 3154, Level = LogLevel.Debug, Message = "consuming stream {Stream} through consumer {Consumer} ({Mode}; {Pending} waiting)")]
    private static partial void LogConsuming(ILogger logger, string stream, string consumer, string mode, ulong pending);

    [LoggerMessage(EventId = 3155, Level = LogLevel.Warning, Message = "cannot read stream {Stream} yet: {Reason}; retrying")]
    private static partial void LogSetupFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(EventId = 3156, Level = LogLevel.Information, Message = "stream {Stream} readable again")]
    private static partial void LogSetupRecovered(ILogger logger, string stream);

    [LoggerMessage(EventId = 3157, Level = LogLevel.Warning, Message = "consuming stream {Stream} stopped; setting the consumer up again")]
    private static partial void LogConsumeEnded(ILogger logger, string stream);

    [LoggerMessage(EventId = 3158, Level = LogLevel.Error,
        Message = "the node failed to take a signal from {Peer} for {Ip} (seq {Sequence}); handed back for redelivery in {Seconds}s ({Failures} failures since start): {Reason}")]
    private static partial void LogSinkFailed(ILogger logger, string peer, string ip, ulong sequence, double seconds, long failures, string reason, Exception exception);

    [LoggerMessage(EventId = 3159, Level = LogLevel.Debug, Message = "nak failed ({Reason}); the server redelivers after ack_wait")]
    private static partial void LogNakFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3171, Level = LogLevel.Debug, Message = "message seq {Sequence} not acknowledged ({Reason}); the server redelivers it after the ack wait")]
    private static partial void LogAckFailed(ILogger logger, ulong sequence, string reason);

    [LoggerMessage(EventId = 3161, Level = LogLevel.Debug, Message = "stream {Stream}: {Notification}")]
    private static partial void LogNotification(ILogger logger, string stream, string notification);
}

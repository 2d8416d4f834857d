using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Transport.Common.Outbox;
using InnerWarden.Mesh.Transport.Nats.Connection;
using InnerWarden.Mesh.Transport.Nats.Wire;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace InnerWarden.Mesh.Transport.Nats.Outbound;

/// <summary>
/// Publishes signals onto the stream from a bounded outbox, so the caller never waits on the network: a signal is
/// queued and the call returns. One loop publishes what is queued, many at once, each with <c>Nats-Msg-Id</c> set to
/// the signal's signature and awaiting the stream's acknowledgement; the stream stores a signal published twice once,
/// so a retry after a lost acknowledgement is harmless. What fails waits (1 s doubling to 2 min, on the TimeProvider's
/// clock, or until the client reconnects) and is retried until the signal's delivery window closes. Any signal can be
/// published, this node's or one relayed from elsewhere: it travels with its signature intact.
/// </summary>
internal sealed partial class SignalPublisher : IAsyncDisposable
{
    /// <summary>Publishes in flight at once: enough to hide the round trip, few enough to keep the client's buffers small.</summary>
    public const int MaxInFlight = 128;

    private readonly NatsTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SignalOutbox _outbox;
    // Wakes the loop: a signal was queued (unless backing off) or the client reconnected.
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private MeshNatsConnection? _connection;
    private Task _loop = Task.CompletedTask;
    private Task? _pendingWake;
    private TimeSpan _backoff;
    private volatile bool _backingOff;
    private long _published;
    private long _failed;
    private long _dropped;

    public SignalPublisher(NatsTransportOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _outbox = new SignalOutbox(options.OutboxCapacity);
        _backoff = options.InitialRetryDelay;
    }

    /// <summary>Signals queued or being published.</summary>
    public int Pending => _outbox.Count;

    /// <summary>Signals the stream acknowledged (stored, or already stored) since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Publish attempts that failed (no answer, no stream, an error from the stream) since start.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Signals dropped unpublished: the outbox was full, or their window closed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a signal and wakes the loop; never waits. A signal whose delivery window already closed is dropped.</summary>
    public void Enqueue(ThreatSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var entry = new OutboxEntry(signal, OutboxEntry.ExpiryOf(signal));
        if (entry.ExpiresAt <= _time.GetUtcNow())
        {
            Interlocked.Increment(ref _dropped);
            LogExpired(_logger, 1);
            return;
        }
        if (_outbox.Enqueue(entry) is { } dropped)
        {
            long count = Interlocked.Increment(ref _dropped);
            LogOutboxFull(_logger, dropped.Signal.Ip, _options.OutboxCapacity, count);
        }
        if (!_backingOff)
        {
            Wake();
        }
    }

    /// <summary>Starts publishing through <paramref name="connection"/> (what was queued before is published first).</summary>
    public void Start(MeshNatsConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        connection.Connected += OnConnected;
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Gives what is queued one last round (bounded by <paramref name="cancellationToken"/>), then stops the loop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsConnected: true } && _outbox.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            Wake();
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(_options.Timeout);
            try
            {
                while (_outbox.Count > 0 && !_backingOff)
                {
                    await Task.Delay(10, bounded.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // What is left is lost with the process, as an HTTP peer's outbox is.
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop's own way out.
        }
        if (_outbox.Count > 0)
        {
            LogLeftUnpublished(_logger, _outbox.Count);
        }
    }

    private void OnConnected()
    {
        // The cluster is back: retry now rather than at the end of the backoff.
        Wake();
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another caller woke it first; one wake-up is enough.
            }
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await WaitAsync(_backingOff ? _backoff : null, stop).ConfigureAwait(false);
            await FlushAsync(stop).ConfigureAwait(false);
        }
    }

    // Waits for a wake-up, or for the backoff on the TimeProvider's clock. The wait on the semaphore is kept across
    // calls: abandoning it would let it swallow the next wake-up.
    private async Task WaitAsync(TimeSpan? delay, CancellationToken stop)
    {
        _pendingWake ??= _wake.WaitAsync(stop);
        if (delay is { } backoff)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var elapsed = Task.Delay(backoff, _time, timer.Token);
            var first = await Task.WhenAny(_pendingWake, elapsed).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
            if (first == elapsed)
            {
                stop.ThrowIfCancellationRequested();
                return;
            }
        }
        var woke = _pendingWake;
        _pendingWake = null;
        await woke.ConfigureAwait(false);
    }

    /// <summary>Publishes the outbox in rounds of <see cref="MaxInFlight"/>; a round with failures starts the backoff.</summary>
    private async Task FlushAsync(CancellationToken stop)
    {
        var js = _connection!.JetStream; // Set by Start before the loop runs.
        int published = 0;
        while (true)
        {
            int expired = _outbox.RemoveExpired(_time.GetUtcNow());
            if (expired > 0)
            {
                Interlocked.Add(ref _dropped, expired);
                LogExpired(_logger, expired);
            }
            var batch = _outbox.Peek(MaxInFlight);
            if (batch.Count == 0)
            {
                Recovered(published);
                return;
            }
            if (!_connection.IsConnected)
            {
                // No attempt while the client is reconnecting: the reconnect wakes the loop.
                BackOff(batch.Count, "not connected to any NATS server");
                return;
            }
            var attempts = new Task<string?>[batch.Count];
            string?[] outcomes;
            using (var round = CancellationTokenSource.CreateLinkedTokenSource(stop, _connection.SessionLost))
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    attempts[i] = PublishAsync(js, batch[i].Value.Signal, round.Token, stop);
                }
                outcomes = await Task.WhenAll(attempts).ConfigureAwait(false);
            }
            var done = new List<LinkedListNode<OutboxEntry>>(batch.Count);
            string? failure = null;
            for (int i = 0; i < batch.Count; i++)
            {
                if (outcomes[i] is { } reason)
                {
                    failure ??= reason;
                }
                else
                {
                    done.Add(batch[i]);
                }
            }
            _outbox.Remove(done);
            published += done.Count;
            if (failure is not null)
            {
                BackOff(batch.Count - done.Count, failure);
                return;
            }
        }
    }

    /// <summary>
    /// One publish awaiting the stream's acknowledgement; null when stored (or already stored), else why not. A dropped
    /// connection cancels <paramref name="attempt"/>: that publish failed (it may have been stored; the retry is deduped).
    /// </summary>
    private async Task<string?> PublishAsync(NatsJSContext js, ThreatSignal signal, CancellationToken attempt, CancellationToken stop)
    {
        try
        {
            var ack = await js.PublishAsync(_options.Subject, signal, SignalCodec.Instance, new NatsJSPubOpts { MsgId = signal.Signature },
                cancellationToken: attempt).ConfigureAwait(false);
            if (ack.Error is { } error)
            {
                Interlocked.Increment(ref _failed);
                return $"stream refused it: {error.Description} ({error.Code})";
            }
            Interlocked.Increment(ref _published);
            _connection!.MarkContact();
            return null;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or IOException
            || (ex is OperationCanceledException && !stop.IsCancellationRequested))
        {
            Interlocked.Increment(ref _failed);
            return ex is OperationCanceledException ? "the connection to the NATS server dropped" : ex.Message;
        }
    }

    private void BackOff(int pending, string reason)
    {
        if (!_backingOff)
        {
            LogPublishFailing(_logger, _options.Subject, reason, _outbox.Count);
        }
        else
        {
            _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxRetryDelay.Ticks));
            LogRetryLater(_logger, pending, _options.Subject, reason, _backoff.TotalSeconds);
        }
        _backingOff = true;
    }

    private void Recovered(int published)
    {
        if (_backingOff)
        {
            LogPublishRecovered(_logger, _options.Subject, published);
        }
        _backingOff = false;
        _backoff = _options.InitialRetryDelay;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            connection.Connected -= OnConnected;
        }
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        _stop.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(EventId = 3162, Level = LogLevel.Warning, Message = "publishing to {Subject} failed ({Reason}); {Pending} signal(s) queued and retried until each one's window closes")]
    private static partial void LogPublishFailing(ILogger logger, string subject, string reason, int pending);

    [LoggerMessage(EventId = 3163, Level = LogLevel.Debug, Message = "{Pending} signal(s) for {Subject} still unpublished ({Reason}); next try in {Seconds}s")]
    private static partial void LogRetryLater(ILogger logger, int pending, string subject, string reason, double seconds);

    [LoggerMessage(EventId = 3164, Level = LogLevel.Information, Message = "publishing to {Subject} works again ({Count} queued signal(s) published)")]
    private static partial void LogPublishRecovered(ILogger logger, string subject, int count);

    [LoggerMessage(EventId = 3165, Level = LogLevel.Warning, Message = "NATS outbox full ({Capacity}): dropped the oldest signal (ip {Ip}); {Dropped} dropped so far")]
    private static partial void LogOutboxFull(ILogger logger, string ip, int capacity, long dropped);

    [LoggerMessage(EventId = 3166, Level = LogLevel.Information, Message = "{Count} unpublished signal(s) expired and will not be retried")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 3167, Level = LogLevel.Warning, Message = "stopping with {Count} signal(s) not published to NATS")]
    private static partial void LogLeftUnpublished(ILogger logger, int count);
}

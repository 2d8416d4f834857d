using System.Threading.Channels;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Transport.Common.Outbox;
using InnerWarden.Mesh.Transport.Common.Wire;
using InnerWarden.Mesh.Transport.Http.Wire;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace InnerWarden.Mesh.Transport.Http.Client;

/// <summary>
/// Everything about delivering to one peer: its own send queue drained by its own loop (so a slow peer delays
/// only itself, never the node or the other peers), the encoding it reads (learnt from its ping), a circuit breaker
/// so a dead peer costs nothing per signal while it is open, and a bounded outbox of undelivered signals retried
/// with exponential backoff on the TimeProvider's clock until each signal's delivery window closes.
/// </summary>
internal sealed partial class PeerLink : IDisposable
{
    /// <summary>New signals waiting for this peer's send loop; beyond it they go straight to the outbox (retried later).</summary>
    public const int SendQueueCapacity = 1024;

    private readonly PeerClient _client;
    private readonly HttpTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<DeliveryOutcome> _pipeline;
    private readonly CircuitBreakerStateProvider _breaker = new();
    private readonly SignalOutbox _outbox;
    private readonly ITimer _retryTimer;
#pragma warning disable CA2213 // Never disposed: a flush in flight may still release it after Dispose; it holds no handle (AvailableWaitHandle is never used).
    private readonly SemaphoreSlim _flushGate = new(1, 1);
#pragma warning restore CA2213
    private readonly Lock _lock = new();
    private readonly Channel<ThreatSignal> _sends = Channel.CreateBounded<ThreatSignal>(
        new BoundedChannelOptions(SendQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
#pragma warning disable CA2213 // Cancelled, never disposed: the send loop may still read its token after Dispose; it holds no handle.
    private readonly CancellationTokenSource _stopping = new();
#pragma warning restore CA2213
    private int _unsent;
    private TaskCompletionSource? _sendsIdle;
    private TimeSpan _backoff;
    private bool _retryScheduled;
    private Task _flushTask = Task.CompletedTask;
    private long _dropped;
    private long _delivered;
    private long _failed;
    private volatile PeerEncoding _encoding;
    private volatile bool _reachable;
    private DateTimeOffset? _lastContact;
    private string? _problem;
    private bool _disposed;

    public PeerLink(PeerInfo peer, PeerClient client, HttpTransportOptions options, TimeProvider time, ILogger logger)
    {
        Peer = peer;
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _backoff = options.InitialRetryDelay;
        _outbox = new SignalOutbox(options.OutboxCapacity);
        _retryTimer = time.CreateTimer(static state => ((PeerLink)state!).OnRetryTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _pipeline = new ResiliencePipelineBuilder<DeliveryOutcome> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryOutcome>
            {
                // Half the attempts of the last 30 s failed, at least 3 of them: stop trying for BreakDuration,
                // then let one trial through (half-open).
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = options.BreakDuration,
                StateProvider = _breaker,
                ShouldHandle = new PredicateBuilder<DeliveryOutcome>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>()
                    .Handle<IOException>()
                    .HandleResult(DeliveryOutcome.Transient),
                // Debug: the journal line of an outage is the problem's (SetProblem), once, with its cause.
                OnOpened = args =>
                {
                    LogBreakerOpened(_logger, Peer.Endpoint, args.BreakDuration.TotalSeconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    LogBreakerClosed(_logger, Peer.Endpoint);
                    return default;
                },
            })
            .Build();
        _ = Task.Run(() => SendLoopAsync(_stopping.Token), CancellationToken.None);
    }

    public PeerInfo Peer { get; }

    public PeerEncoding Encoding => _encoding;

    /// <summary>The in-flight outbox flush (completed when none), so callers and tests can wait for it.</summary>
    public Task WhenIdle
    {
        get
        {
            lock (_lock)
            {
                return _flushTask;
            }
        }
    }

    public PeerLinkStatus GetStatus()
    {
        DateTimeOffset? lastContact;
        string? problem;
        lock (_lock)
        {
            lastContact = _lastContact;
            problem = _problem;
        }
        string circuit = _breaker.CircuitState switch
        {
            CircuitState.Closed => "closed",
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half-open",
            CircuitState.Isolated => "isolated",
            var other => other.ToString().ToLowerInvariant(),
        };
        return new PeerLinkStatus(Peer, _reachable, lastContact, circuit, _outbox.Count,
            _encoding == PeerEncoding.MessagePack ? MediaTypes.MessagePackName : MediaTypes.JsonName)
        {
            Delivered = Interlocked.Read(ref _delivered),
            Failed = Interlocked.Read(ref _failed),
            Problem = problem,
        };
    }

    /// <summary>Completes when every signal posted so far has been delivered, refused or put in the outbox.</summary>
    public Task WhenSent
    {
        get
        {
            lock (_lock)
            {
                return _unsent == 0 ? Task.CompletedTask : (_sendsIdle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    /// <summary>Queues a new signal for this peer's send loop and returns at once (a full queue puts it in the outbox).</summary>
    public void Post(ThreatSignal signal)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _unsent++;
        }
        if (!_sends.Writer.TryWrite(signal))
        {
            Enqueue(new OutboxEntry(signal, OutboxEntry.ExpiryOf(signal)));
            MarkSent();
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var signal in _sends.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await SendAsync(signal, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Whatever went wrong with this signal, the next ones still go (it is in no outbox: lost, logged).
                    LogDeliveryFailed(_logger, Peer.Endpoint, ex.Message);
                }
                finally
                {
                    MarkSent();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private void MarkSent()
    {
        TaskCompletionSource? idle = null;
        lock (_lock)
        {
            if (--_unsent == 0)
            {
                idle = _sendsIdle;
                _sendsIdle = null;
            }
        }
        idle?.TrySetResult();
    }

    /// <summary>Delivers one new signal now, or queues it for retry when the peer is down or its breaker open.</summary>
    private async Task SendAsync(ThreatSignal signal, CancellationToken cancellationToken)
    {
        var entry = new OutboxEntry(signal, OutboxEntry.ExpiryOf(signal));
        if (entry.ExpiresAt <= _time.GetUtcNow())
        {
            LogExpired(_logger, Peer.Endpoint, 1);
            return;
        }
        var outcome = await TryDeliverAsync(token => DeliverOneAsync(signal, token), cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case DeliveryOutcome.Delivered:
                Interlocked.Increment(ref _delivered);
                if (_outbox.Count > 0)
                {
                    // The peer is back: send what it missed now rather than at the next backoff tick.
                    StartFlush();
                }
                break;
            case DeliveryOutcome.Refused:
                LogRefused(_logger, Peer.Endpoint, signal.Ip);
                break;
            default:
                Enqueue(entry);
                break;
        }
    }

    /// <summary>Pings the peer and learns its encoding from the reply; null when it does not answer.</summary>
    public async Task<PeerPingReply?> PingAsync(CancellationToken cancellationToken)
    {
        var (reply, problem) = await _client.PingAsync(Peer.Endpoint, cancellationToken).ConfigureAwait(false);
        if (reply is null)
        {
            SetProblem(problem ?? "no ping reply");
            return null;
        }
        var encoding = reply.SupportsMessagePack ? PeerEncoding.MessagePack : PeerEncoding.Json;
        if (_encoding != encoding)
        {
            LogEncoding(_logger, Peer.Endpoint, encoding == PeerEncoding.MessagePack ? MediaTypes.MessagePackName : MediaTypes.JsonName);
        }
        _encoding = encoding;
        MarkContact();
        return reply;
    }

    /// <summary>Runs one attempt through the breaker; null when it failed or the breaker is open.</summary>
    private async Task<DeliveryOutcome?> TryDeliverAsync(Func<CancellationToken, Task<DeliveryOutcome>> attempt, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await _pipeline.ExecuteAsync(
                static async (attempt, token) => await attempt(token).ConfigureAwait(false), attempt, cancellationToken).ConfigureAwait(false);
            if (outcome != DeliveryOutcome.Transient)
            {
                MarkContact();
            }
            else
            {
                SetProblem("replies with an HTTP error status (5xx, or 404/415 to JSON)");
                Interlocked.Increment(ref _failed);
            }
            return outcome;
        }
        catch (BrokenCircuitException)
        {
            // Open breaker: no request was made, which is the point.
            Interlocked.Increment(ref _failed);
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException)
        {
            Interlocked.Increment(ref _failed);
            LogDeliveryFailed(_logger, Peer.Endpoint, ex.Message);
            SetProblem(await _client.DescribeAsync(Peer.Endpoint, ex, cancellationToken).ConfigureAwait(false));
            return null;
        }
    }

    private async Task<DeliveryOutcome> DeliverOneAsync(ThreatSignal signal, CancellationToken cancellationToken)
    {
        bool msgpack = await SpeaksMessagePackAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await _client.PostSignalAsync(Peer.Endpoint, signal, msgpack, cancellationToken).ConfigureAwait(false);
        if (outcome == DeliveryOutcome.Unsupported && msgpack)
        {
            _encoding = PeerEncoding.Json;
            outcome = await _client.PostSignalAsync(Peer.Endpoint, signal, msgpack: false, cancellationToken).ConfigureAwait(false);
        }
        // A JSON 404/415 means a misconfigured endpoint; retrying later is all that can be done.
        return outcome == DeliveryOutcome.Unsupported ? DeliveryOutcome.Transient : outcome;
    }

    // Lazily learns the encoding: an unpinged peer is pinged first; if that fails, JSON (every node reads it).
    private async Task<bool> SpeaksMessagePackAsync(CancellationToken cancellationToken)
    {
        if (_encoding == PeerEncoding.Unknown)
        {
            await PingAsync(cancellationToken).ConfigureAwait(false);
        }
        return _encoding == PeerEncoding.MessagePack;
    }

    private void Enqueue(OutboxEntry entry)
    {
        if (_outbox.Enqueue(entry) is { } dropped)
        {
            long count = Interlocked.Increment(ref _dropped);
            LogDropped(_logger, Peer.Endpoint, dropped.Signal.Ip, _options.OutboxCapacity, count);
        }
        ScheduleRetry();
    }

    private void ScheduleRetry()
    {
        lock (_lock)
        {
            if (_retryScheduled || _disposed)
            {
                return;
            }
            _retryScheduled = true;
            _retryTimer.Change(_backoff, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnRetryTimer()
    {
        lock (_lock)
        {
            _retryScheduled = false;
        }
        StartFlush();
    }

    private void StartFlush()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
        }
        // Started outside the lock: its synchronous part reaches the network. Flushes are serialised by
        // _flushGate; WhenIdle covers every one still running.
        var next = FlushAsync();
        lock (_lock)
        {
            var previous = _flushTask;
            _flushTask = previous.IsCompleted ? next : Task.WhenAll(previous, next);
        }
    }

    /// <summary>Sends the outbox, oldest first, in batches; on failure backs off and schedules the next round.</summary>
    private async Task FlushAsync()
    {
        await _flushGate.WaitAsync().ConfigureAwait(false);
        try
        {
            while (true)
            {
                int expired = _outbox.RemoveExpired(_time.GetUtcNow());
                if (expired > 0)
                {
                    LogExpired(_logger, Peer.Endpoint, expired);
                }
                var batch = _outbox.Peek(MessagePackSignal.MaxBatch);
                if (batch.Count == 0)
                {
                    ResetBackoff();
                    return;
                }
                var delivered = new List<LinkedListNode<OutboxEntry>>(batch.Count);
                var outcome = await TryDeliverAsync(token => DeliverBatchAsync(batch, delivered, token), CancellationToken.None).ConfigureAwait(false);
                if (outcome is DeliveryOutcome.Delivered or DeliveryOutcome.Refused)
                {
                    if (outcome == DeliveryOutcome.Delivered)
                    {
                        Interlocked.Add(ref _delivered, batch.Count);
                    }
                    _outbox.Remove(batch);
                    ResetBackoff();
                    continue;
                }
                Interlocked.Add(ref _delivered, delivered.Count);
                _outbox.Remove(delivered);
                lock (_lock)
                {
                    _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxRetryDelay.Ticks));
                }
                LogRetryLater(_logger, Peer.Endpoint, _outbox.Count, _backoff.TotalSeconds);
                ScheduleRetry();
                return;
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    // MessagePack peers take the batch endpoint; JSON peers one request per signal, stopping at the first failure.
    private async Task<DeliveryOutcome> DeliverBatchAsync(
        List<LinkedListNode<OutboxEntry>> batch, List<LinkedListNode<OutboxEntry>> delivered, CancellationToken cancellationToken)
    {
        if (await SpeaksMessagePackAsync(cancellationToken).ConfigureAwait(false))
        {
            var signals = batch.ConvertAll(node => node.Value.Signal);
            var outcome = await _client.PostBatchAsync(Peer.Endpoint, signals, cancellationToken).ConfigureAwait(false);
            if (outcome != DeliveryOutcome.Unsupported)
            {
                return outcome;
            }
            _encoding = PeerEncoding.Json;
        }
        foreach (var node in batch)
        {
            var outcome = await _client.PostSignalAsync(Peer.Endpoint, node.Value.Signal, msgpack: false, cancellationToken).ConfigureAwait(false);
            if (outcome is DeliveryOutcome.Transient or DeliveryOutcome.Unsupported)
            {
                return DeliveryOutcome.Transient;
            }
            delivered.Add(node);
        }
        return DeliveryOutcome.Delivered;
    }

    private void ResetBackoff()
    {
        lock (_lock)
        {
            _backoff = _options.InitialRetryDelay;
        }
    }

    private void MarkContact()
    {
        _reachable = true;
        string? was;
        lock (_lock)
        {
            _lastContact = _time.GetUtcNow();
            was = _problem;
            _problem = null;
        }
        if (was is not null)
        {
            LogReachable(_logger, Peer.Endpoint);
        }
    }

    // One journal line per change of state (reachable -> this cause, or one cause -> another), never one per attempt.
    private void SetProblem(string problem)
    {
        _reachable = false;
        bool changed;
        lock (_lock)
        {
            changed = _problem != problem;
            _problem = problem;
        }
        if (changed)
        {
            LogUnreachable(_logger, Peer.Endpoint, problem);
        }
    }

    public void Dispose()
    {
        TaskCompletionSource? idle;
        lock (_lock)
        {
            _disposed = true;
            idle = _sendsIdle;
            _sendsIdle = null;
        }
        _sends.Writer.TryComplete();
        _stopping.Cancel();
        _retryTimer.Dispose();
        idle?.TrySetResult();
    }

    [LoggerMessage(EventId = 3140, Level = LogLevel.Debug, Message = "peer {Endpoint}: circuit open for {Seconds}s; signals for it are queued")]
    private static partial void LogBreakerOpened(ILogger logger, Uri endpoint, double seconds);

    [LoggerMessage(EventId = 3141, Level = LogLevel.Debug, Message = "peer {Endpoint}: circuit closed")]
    private static partial void LogBreakerClosed(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = 3148, Level = LogLevel.Warning, Message = "peer {Endpoint} unreachable: {Problem}; signals for it are queued and retried")]
    private static partial void LogUnreachable(ILogger logger, Uri endpoint, string problem);

    [LoggerMessage(EventId = 3149, Level = LogLevel.Information, Message = "peer {Endpoint} reachable again")]
    private static partial void LogReachable(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = 3142, Level = LogLevel.Debug, Message = "delivery to {Endpoint} failed: {Reason}")]
    private static partial void LogDeliveryFailed(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(EventId = 3143, Level = LogLevel.Warning, Message = "outbox of {Endpoint} full ({Capacity}): dropped the oldest signal (ip {Ip}); {Dropped} dropped so far")]
    private static partial void LogDropped(ILogger logger, Uri endpoint, string ip, int capacity, long dropped);

    [LoggerMessage(EventId = 3144, Level = LogLevel.Information, Message = "{Count} undelivered signal(s) for {Endpoint} expired and will not be retried")]
    private static partial void LogExpired(ILogger logger, Uri endpoint, int count);

    [LoggerMessage(EventId = 3145, Level = LogLevel.Debug, Message = "{Pending} signal(s) for {Endpoint} pending; next retry in {Seconds}s")]
    private static partial void LogRetryLater(ILogger logger, Uri endpoint, int pending, double seconds);

    [LoggerMessage(EventId = 3146, Level = LogLevel.Warning, Message = "peer {Endpoint} refused a signal about {Ip} (4xx); not retried")]
    private static partial void LogRefused(ILogger logger, Uri endpoint, string ip);

    [LoggerMessage(EventId = 3147, Level = LogLevel.Information, Message = "peer {Endpoint} is spoken to in {Encoding}")]
    private static partial void LogEncoding(ILogger logger, Uri endpoint, string encoding);
}

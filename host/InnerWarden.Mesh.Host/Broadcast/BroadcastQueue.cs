using System.Threading.Channels;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Signals;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Broadcast;

/// <summary>
/// Takes this node's detections off the detection path and hands them, signed, to the transport, so a local block
/// never waits on the network (README, "A local block never waits on the network"). Bounded: when <see cref="Capacity"/> detections are waiting (the transport
/// is behind), the oldest waiting one is dropped, counted in <see cref="Dropped"/> and logged once per episode; the
/// local block it came from is not affected. One drain loop signs, audits (<c>sent</c>) and calls
/// <see cref="IMeshTransport.BroadcastAsync"/>, which hands the signal to each peer's own delivery queue.
/// </summary>
internal sealed partial class BroadcastQueue : IAsyncDisposable
{
    /// <summary>Detections waiting to be signed and handed to the transport, at most (the http transport bounds each peer's queue behind it).</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>How long a stopping node waits for the transport to take what is still queued.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly IMeshTransport _transport;
    private readonly SignalSigner _signer;
    private readonly AuditLog _audit;
    private readonly NodeEventHub _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Outgoing> _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private Task? _loop;
    // Every detection offered (_enqueued) is eventually handed on or dropped (_completed); a flush waits for the count it saw.
    private long _enqueued;
    private long _completed;
    private long _dropped;
    private long _sent;
    private long _droppedThisEpisode;

    public BroadcastQueue(IMeshTransport transport, SignalSigner signer, AuditLog audit, NodeEventHub events, TimeProvider time, ILogger logger,
        int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _transport = transport;
        _signer = signer;
        _audit = audit;
        _events = events;
        _time = time;
        _logger = logger;
        Capacity = capacity;
        _channel = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            OnDropped);
    }

    /// <summary>How many detections may wait at most.</summary>
    public int Capacity { get; }

    /// <summary>Signals signed and handed to the transport.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Detections dropped unsent because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Detections waiting or being handed on.</summary>
    public long Pending => Interlocked.Read(ref _enqueued) - Interlocked.Read(ref _completed);

    public void Start() => _loop ??= Task.Run(() => DrainAsync(_stopping.Token));

    /// <summary>Queues a detection to be signed with <paramref name="ttlSecs"/> and sent; never blocks (when full, the oldest waiting one goes).</summary>
    public void Enqueue(Detection detection, ulong ttlSecs, double score)
    {
        Interlocked.Increment(ref _enqueued);
        if (!_channel.Writer.TryWrite(new Outgoing(detection, ttlSecs, score)))
        {
            // Completed: the node is stopping; nothing more is sent.
            Complete(1);
        }
    }

    /// <summary>Completes when everything queued before the call has been handed to the transport (or dropped).</summary>
    public Task FlushAsync()
    {
        long target = Interlocked.Read(ref _enqueued);
        lock (_gate)
        {
            if (Interlocked.Read(ref _completed) >= target)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
            Start();
            return done.Task;
        }
    }

    /// <summary>Hands on what is still queued, waiting at most <see cref="StopGrace"/> for the transport, then drops the rest.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(StopGrace, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogStopTimedOut(_logger, Pending, StopGrace.TotalSeconds);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
            await _stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Cancelled above.
            }
        }
        _stopping.Dispose();
        lock (_gate)
        {
            foreach (var (_, done) in _waiters)
            {
                done.TrySetResult();
            }
            _waiters.Clear();
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var outgoing))
            {
                await SendAsync(outgoing, cancellationToken).ConfigureAwait(false);
                Complete(1);
            }
            long episode = Interlocked.Exchange(ref _droppedThisEpisode, 0);
            if (episode > 0)
            {
                LogCaughtUp(_logger, episode, Dropped);
            }
        }
    }

    private async Task SendAsync(Outgoing outgoing, CancellationToken cancellationToken)
    {
        var detection = outgoing.Detection;
        try
        {
            var signal = _signer.Create(detection, outgoing.TtlSecs);
            int peers = _transport.GetPeerLinks().Count;
            _audit.Write(new AuditRecord(_time.GetUtcNow(), "sent", signal.NodeId, signal.Ip, signal.Detector, signal.Confidence,
                signal.TtlSecs, signal.Timestamp, signal.Signature, "sent", nameof(RejectReason.None), null, outgoing.Score, null, peers));
            Interlocked.Increment(ref _sent);
            if (_events.IsObserved)
            {
                _events.Publish(new NodeEvent(NodeEventKind.Broadcast, _time.GetUtcNow(), detection.Ip, signal.NodeId, Score: outgoing.Score,
                    Ttl: TimeSpan.FromSeconds(outgoing.TtlSecs), Detail: detection.Detector));
            }
            await _transport.BroadcastAsync(signal, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogBroadcastFailed(_logger, detection.Ip.ToString(), ex.Message, ex);
        }
    }

    private void OnDropped(Outgoing dropped)
    {
        Interlocked.Increment(ref _dropped);
        if (Interlocked.Increment(ref _droppedThisEpisode) == 1)
        {
            LogFull(_logger, Capacity, dropped.Detection.Ip.ToString());
        }
        Complete(1);
    }

    private void Complete(long count)
    {
        long completed = Interlocked.Add(ref _completed, count);
        lock (_gate)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= completed)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed record Outgoing(Detection Detection, ulong TtlSecs, double Score);

    [LoggerMessage(EventId = 3700, Level = LogLevel.Warning,
        Message = "broadcast queue full ({Capacity} detections waiting for the transport): dropping the oldest unsent (ip {Ip}) and the rest of this episode until it catches up; local blocks are not affected")]
    private static partial void LogFull(ILogger logger, int capacity, string ip);

    [LoggerMessage(EventId = 3701, Level = LogLevel.Warning, Message = "broadcast queue caught up: {Dropped} detections were dropped unsent ({Total} since start)")]
    private static partial void LogCaughtUp(ILogger logger, long dropped, long total);

    [LoggerMessage(EventId = 3702, Level = LogLevel.Error, Message = "broadcast of the signal for {Ip} failed: {Error}")]
    private static partial void LogBroadcastFailed(ILogger logger, string ip, string error, Exception exception);

    [LoggerMessage(EventId = 3703, Level = LogLevel.Warning, Message = "stopping: {Pending} detections not handed to the transport within {Seconds}s are dropped unsent")]
    private static partial void LogStopTimedOut(ILogger logger, long pending, double seconds);
}

using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Transport.Common.Wire;
using InnerWarden.Mesh.Transport.Nats.Connection;
using InnerWarden.Mesh.Transport.Nats.Inbound;
using InnerWarden.Mesh.Transport.Nats.Outbound;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Nats;

/// <summary>
/// The <c>nats</c> transport: every node publishes its signals onto one JetStream stream and reads everyone's from it
/// through a consumer of its own (<see cref="SignalStream"/>). NATS only relays: the host verifies every signature and
/// applies its own trust, so the cluster can delay or drop signals but never forge one. Holds no static state, so
/// several nodes can live in one process.
/// </summary>
internal sealed partial class NatsMeshTransport : IMeshTransport, IAsyncDisposable
{
    /// <summary>The label of the one link this transport reports.</summary>
    public const string LinkLabel = "nats";

    private readonly NatsTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SignalPublisher _publisher;
    private readonly SignalStream _stream;
    private readonly Lock _lock = new();
    private MeshNatsConnection? _connection;
    private SignalConsumer? _consumer;
    private CancellationTokenSource? _stopping;
    private CancellationTokenSource? _hardStop;
    private Task _consuming = Task.CompletedTask;

    public NatsMeshTransport(NatsTransportOptions options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<NatsMeshTransport>();
        _stream = new SignalStream(options, loggerFactory.CreateLogger<SignalStream>());
        _publisher = new SignalPublisher(options, time, loggerFactory.CreateLogger<SignalPublisher>());
    }

    /// <summary>A NATS node listens on nothing: it dials out to the cluster.</summary>
    public Uri? ListenAddress => null;

    /// <summary>The connection, once started (a later feature opens its key-value bucket on it).</summary>
    internal MeshNatsConnection? Connection => _connection;

    internal SignalConsumer? Consumer => _consumer;

    internal SignalPublisher Publisher => _publisher;

    /// <summary>
    /// Connects and sets up the stream and this node's consumer in the background, waiting up to the timeout for the
    /// consumer to be live. A cluster that is down does not stop the node: it starts anyway, says so, and keeps trying.
    /// </summary>
    public async Task StartAsync(ISignalSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        SignalConsumer consumer;
        lock (_lock)
        {
            if (_connection is not null)
            {
                throw new InvalidOperationException("the nats transport is already started");
            }
            string nodeId = sink.GetStatus().NodeId;
            _connection = new MeshNatsConnection(_options, "innerwarden-mesh " + nodeId, _time, _loggerFactory);
            var malformed = new MalformedMessages(_options.Stream, _time, _loggerFactory.CreateLogger<MalformedMessages>());
            consumer = new SignalConsumer(_connection, _stream, _options, sink, nodeId, malformed, _loggerFactory.CreateLogger<SignalConsumer>());
            _consumer = consumer;
            _stopping = new CancellationTokenSource();
            _hardStop = new CancellationTokenSource();
            var stopping = _stopping.Token;
            var hardStop = _hardStop.Token;
            _consuming = Task.Run(() => consumer.RunAsync(stopping, hardStop), CancellationToken.None);
            _publisher.Start(_connection);
        }
        LogStarting(_logger, _options.ServerList, _options.Stream, _options.Subject);
        try
        {
            await consumer.Ready.WaitAsync(_options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogNotReady(_logger, _options.ServerList, _options.Timeout.TotalSeconds);
        }
    }

    /// <summary>
    /// Stops pulling (messages already buffered are still handed over and acknowledged), gives the outbox one last
    /// round, makes sure the server has every acknowledgement, and closes the connection.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        MeshNatsConnection? connection;
        CancellationTokenSource? stopping, hardStop;
        lock (_lock)
        {
            connection = _connection;
            stopping = _stopping;
            hardStop = _hardStop;
            _stopping = null;
            _hardStop = null;
        }
        if (connection is null || stopping is null || hardStop is null)
        {
            return;
        }
        await stopping.CancelAsync().ConfigureAwait(false);
        // A submit in progress finishes unless the caller gives up waiting.
        using (cancellationToken.Register(() => hardStop.Cancel()))
        {
            try
            {
                await _consuming.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
        await _publisher.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(_options.Timeout);
            await connection.FlushAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or NATS.Client.Core.NatsException)
        {
            // The acknowledgements not yet read are redelivered later: duplicates, which the host refuses.
            LogFlushFailed(_logger, ex.Message);
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        hardStop.Dispose();
    }

    /// <summary>Queues the signal for publishing and returns: a broadcast never waits on the network.</summary>
    public Task BroadcastAsync(ThreatSignal signal, CancellationToken cancellationToken)
    {
        _publisher.Enqueue(signal);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Null: a NATS node is not addressed by URL (it dials out), so there is nobody to ask; an http endpoint is the
    /// http transport's to ping.
    /// </summary>
    public Task<PeerPingReply?> PingAsync(Uri endpoint, CancellationToken cancellationToken) => Task.FromResult<PeerPingReply?>(null);

    /// <summary>
    /// One link, the cluster: the server connected to, whether it is, the publishes pending and their totals. Its
    /// circuit is <c>closed</c> when connected and consuming, <c>half-open</c> when connected but the stream or
    /// consumer is not set up yet, <c>open</c> when disconnected.
    /// </summary>
    public IReadOnlyList<PeerLinkStatus> GetPeerLinks()
    {
        var connection = _connection;
        bool connected = connection?.IsConnected ?? false;
        bool consuming = _consumer?.IsConsuming ?? false;
        string circuit = !connected ? "open" : consuming ? "closed" : "half-open";
        var peer = new PeerInfo(connection?.Server ?? _options.Servers[0], null, LinkLabel);
        return
        [
            new PeerLinkStatus(peer, connected, connection?.LastContact, circuit, _publisher.Pending, MessagePackSignal.EncodingName)
            {
                Delivered = _publisher.Published,
                Failed = _publisher.Failed,
            },
        ];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3168, Level = LogLevel.Debug, Message = "nats transport: servers {Servers}, stream {Stream}, subject {Subject}")]
    private static partial void LogStarting(ILogger logger, string servers, string stream, string subject);

    [LoggerMessage(EventId = 3169, Level = LogLevel.Warning,
        Message = "no NATS server of {Servers} answered within {Seconds}s; the node runs without the mesh for now and keeps trying (local blocks are not affected)")]
    private static partial void LogNotReady(ILogger logger, string servers, double seconds);

    [LoggerMessage(EventId = 3170, Level = LogLevel.Debug, Message = "final flush to NATS failed ({Reason}); unread acknowledgements mean redeliveries, which the node refuses as duplicates")]
    private static partial void LogFlushFailed(ILogger logger, string reason);
}

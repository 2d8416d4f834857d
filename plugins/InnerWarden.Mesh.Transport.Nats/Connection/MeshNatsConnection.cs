using NATS.Client.Core;
using NATS.Client.JetStream;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Nats.Connection;

/// <summary>
/// The node's one connection to the NATS cluster and its JetStream context, shared by everything that talks to the
/// cluster (the signal stream now; a key-value bucket can be opened on <see cref="JetStream"/> later). Connecting
/// retries until the node stops, and the client reconnects by itself, to any server of the list or that the cluster
/// advertises. Tracks which server it is on and when the cluster last answered, for the link status.
/// </summary>
internal sealed partial class MeshNatsConnection : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Uri _server;
    private DateTimeOffset? _lastContact;
    private Task? _connecting;
    // Cancelled when the connection drops: requests in flight on it get no answer, and waiting out their timeout
    // would only delay the retry on the next server.
    private CancellationTokenSource _session = new();

    public MeshNatsConnection(NatsTransportOptions options, string clientName, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _time = time;
        _logger = loggerFactory.CreateLogger<MeshNatsConnection>();
        _server = options.Servers[0];
        _connection = new NatsConnection(ClientOptions(options, clientName, loggerFactory));
        _connection.ConnectionOpened += OnOpened;
        _connection.ConnectionDisconnected += OnDisconnected;
        // With a domain, JetStream requests go to $JS.<domain>.API: how nodes behind a leaf node reach the hubs' JetStream.
        JetStream = new NatsJSContext(_connection, new NatsJSOpts(_connection.Opts, domain: options.Domain));
    }

    /// <summary>JetStream on this connection: the signal stream, and any bucket a later feature needs.</summary>
    public NatsJSContext JetStream { get; }

    /// <summary>The raw connection (core NATS publish, subscribe, request).</summary>
    public INatsConnection Connection => _connection;

    public bool IsConnected => _connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>The server connected to now, or the last one (the first configured before any connection).</summary>
    public Uri Server
    {
        get
        {
            lock (_lock)
            {
                return _server;
            }
        }
    }

    /// <summary>When the cluster last answered (connected, acknowledged a publish, delivered a message); null if never.</summary>
    public DateTimeOffset? LastContact
    {
        get
        {
            lock (_lock)
            {
                return _lastContact;
            }
        }
    }

    /// <summary>Cancelled when the current connection to a server drops (a fresh token once reconnected).</summary>
    public CancellationToken SessionLost
    {
        get
        {
            lock (_lock)
            {
                return _session.Token;
            }
        }
    }

    /// <summary>Raised (on the client's thread) each time a connection to a server is made, first or again.</summary>
    public event Action? Connected;

    /// <summary>The NATS client's settings from ours.</summary>
    internal static NatsOpts ClientOptions(NatsTransportOptions options, string clientName, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var auth = NatsAuthOpts.Default with
        {
            Username = options.User,
            Password = options.Password,
            CredsFile = options.CredsFile,
            NKey = options.NKeyPublic,
            Seed = options.NKeySeed,
        };
        var tls = NatsTlsOpts.Default with { CaFile = options.TlsCa };
        return NatsOpts.Default with
        {
            Url = options.ServerList,
            Name = clientName,
            AuthOpts = auth,
            TlsOpts = tls,
            LoggerFactory = loggerFactory,
            NoRandomize = !options.RandomizeServers,
            ConnectTimeout = options.Timeout,
            RequestTimeout = options.Timeout,
            CommandTimeout = options.Timeout,
            // A node lives for months; the cluster may be down for any part of that. Never give up.
            RetryOnInitialConnect = true,
            MaxReconnectRetry = -1,
            // Refused credentials are retried too: the operator may be fixing them on the server side right now.
            IgnoreAuthErrorAbort = true,
            // After a failed attempt, the next server is tried a quarter second later (NATS's 2 s default delays a
            // failover by that much); repeated failures still back off (ReconnectWaitMax).
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
        };
    }

    /// <summary>Starts connecting (again, if an earlier attempt gave up); completes when connected. The client retries until disposal.</summary>
    public Task ConnectAsync()
    {
        lock (_lock)
        {
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = _connection.ConnectAsync().AsTask();
            }
            return _connecting;
        }
    }

    /// <summary>A round trip to the server: everything sent before it (acknowledgements too) has been read by the server.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (IsConnected)
        {
            await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Notes an answer from the cluster.</summary>
    public void MarkContact()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            _lastContact = now;
        }
    }

    private ValueTask OnOpened(object? sender, NatsEventArgs args)
    {
        Uri? server = Uri.TryCreate(args.Message, UriKind.Absolute, out var parsed) ? parsed : null;
        lock (_lock)
        {
            _server = server ?? _server;
            if (_session.IsCancellationRequested)
            {
                _session.Dispose();
                _session = new CancellationTokenSource();
            }
        }
        MarkContact();
        LogConnected(_logger, args.Message);
        Connected?.Invoke();
        return ValueTask.CompletedTask;
    }

    private async ValueTask OnDisconnected(object? sender, NatsEventArgs args)
    {
        LogDisconnected(_logger, args.Message);
        CancellationTokenSource session;
        lock (_lock)
        {
            session = _session;
        }
        // Outside the lock: cancellation runs the callbacks of every request waiting on this connection.
        await session.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _connection.ConnectionOpened -= OnOpened;
        _connection.ConnectionDisconnected -= OnDisconnected;
        await _connection.DisposeAsync().ConfigureAwait(false);
        lock (_lock)
        {
            _session.Dispose();
        }
    }

    [LoggerMessage(EventId = 3150, Level = LogLevel.Information, Message = "connected to NATS server {Server}")]
    private static partial void LogConnected(ILogger logger, string server);

    [LoggerMessage(EventId = 3151, Level = LogLevel.Warning, Message = "lost NATS server {Server}; reconnecting (to it or another server of the cluster)")]
    private static partial void LogDisconnected(ILogger logger, string server);
}

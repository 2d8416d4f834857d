using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Broadcast;
using InnerWarden.Mesh.Host.Enforcement;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.Host.Peers;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.Host.Staging;
using InnerWarden.Mesh.Host.Trust;
using InnerWarden.Mesh.Host.Validation;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>
/// One mesh node: wires the inbound pipeline, staging coordinator, enforcement queue, state file and audit log
/// around the selected plugins, and runs the periodic work (expiry, hit counters, reconcile) and the detector
/// readers. Holds no static per-node state, so several nodes can run in one process (tests, demo).
/// </summary>
internal sealed partial class MeshNode : IAsyncDisposable
{
    private static readonly TimeSpan MaxDetectorBackoff = TimeSpan.FromMinutes(1);

    private readonly MeshNodeParts _parts;
    private readonly ILogger _logger;
    private readonly AddressPolicy _addresses;
    private readonly ReputationBook _book;
    private readonly AuditLog _audit;
    private readonly EnforcementQueue _queue;
    private readonly BroadcastQueue? _broadcasts;
    private readonly StagingCoordinator _coordinator;
    private readonly StateStore _store;
    private readonly SeenSignals _seen;
    private readonly LateConfirmations _late;
    private readonly InboundPipeline _pipeline;
    private readonly List<PeerInfo> _discovered = [];
    private readonly List<Task> _loops = [];
    private List<IPAddress> _configuredPeerAddresses = [];
    // One tick at a time: the timer loop and an explicit TickAsync (tests, shutdown) never interleave.
    private readonly SemaphoreSlim _tickGate = new(1, 1);
    // Wakes the periodic loop when a new entry expires before the loop's scheduled wake-up (a 1 s block staged
    // during a 30 s wait must still be reverted on time).
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _scheduledWakeTicks = long.MaxValue;
    private int _tickNow;
    private CancellationTokenSource? _running;
    private readonly NodeEventHub _events;
    private bool _started;

    public MeshNode(MeshNodeParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        _parts = parts;
        var settings = parts.Settings;
        var time = parts.Time;
        var factory = parts.LoggerFactory;
        _logger = factory.CreateLogger<MeshNode>();
        _events = new NodeEventHub(_logger);
        NodeId = parts.Identity.NodeId;
        _addresses = new AddressPolicy(settings.Allowlist, parts.LocalAddresses);
        _book = new ReputationBook(parts.Trust, settings, time, parts.TrackedPeerCapacity);
        _audit = new AuditLog(settings.DataDirectory, parts.Audit ?? AuditOptions.Default, time, factory.CreateLogger<AuditLog>());
        _queue = new EnforcementQueue(parts.Enforcer, time, factory.CreateLogger<EnforcementQueue>());
        _store = new StateStore(settings.DataDirectory, time, factory.CreateLogger<StateStore>(), parts.SeenSignalCapacity);
        _book.Changed = _store.ReputationChanged;
        if (settings.AutoBroadcast && parts.Transport is { } transport)
        {
            _broadcasts = new BroadcastQueue(transport, new SignalSigner(parts.Identity, time), _audit, _events, time,
                factory.CreateLogger<BroadcastQueue>(), parts.BroadcastCapacity);
        }
        _late = new LateConfirmations(parts.LateConfirmationWindow ?? LateConfirmations.DefaultWindow);
        _coordinator = new StagingCoordinator(parts.Staging, _book, _queue, _addresses, _audit, _broadcasts, NodeId, time,
            factory.CreateLogger<StagingCoordinator>())
        {
            Events = _events,
            State = _store,
            Late = _late,
        };
        if (parts.Metrics is { } metrics)
        {
            AttachMetrics(metrics);
        }
        _coordinator.ExpiryScheduled = OnExpiryScheduled;
        _queue.BatchFailed = HealSoon;
        RateLimiter = new PeerRateLimiter(_book, settings.MaxSignalsPerHour, parts.TrackedPeerCapacity);
        _seen = new SeenSignals(time, parts.SeenSignalCapacity);
        _pipeline = new InboundPipeline(new SignalValidator(_addresses, time), _seen, RateLimiter, _book, _coordinator, _audit, NodeId, time,
            factory.CreateLogger<InboundPipeline>())
        {
            Events = _events,
            State = _store,
        };
    }

    public string NodeId { get; }

    /// <summary>The inbound pipeline a transport hands signals to.</summary>
    public ISignalSink Sink => _pipeline;

    /// <summary>The state database's writer (its commit counters show what durability costs under load).</summary>
    internal StateStore Store => _store;

    /// <summary>The staging coordinator, for tests.</summary>
    internal StagingCoordinator Coordinator => _coordinator;

    /// <summary>The reputation book, for discovery and tests.</summary>
    internal ReputationBook Reputations => _book;

    /// <summary>The rate limiter, for tests.</summary>
    internal PeerRateLimiter RateLimiter { get; }

    /// <summary>Narration hook: every judged signal, staging change, confirmation, expiry, trust change and broadcast.</summary>
    public Action<NodeEvent>? Observer
    {
        get => _events.Observer;
        set => _events.Observer = value;
    }

    /// <summary>Staged entries the last <see cref="StartAsync"/> restored from the state database (for the start-up line).</summary>
    public int RestoredEntries { get; private set; }

    /// <summary>
    /// Loads the state (reverting and debiting what expired while down), initialises and reconciles the firewall,
    /// starts the transport with the pipeline as its sink, the detector readers and the periodic work.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return;
        }
        _started = true;
        _running = new CancellationTokenSource();
        var state = _store.Open(NodeId, _parts.Enforcer.Name);
        _store.Attach(_coordinator.Find, _book.Find, BuildPeers, _late.Find);
        _store.Start();
        _book.Restore(state.Reputations);
        _seen.Restore(_store.LoadedSeen, _parts.Time.GetUtcNow());
        // Before the pool: entries that expired while the node was down are retired at restore and remembered here too.
        _late.Restore(_store.LoadedLate, _parts.Time.GetUtcNow());
        RestoreDiscoveredPeers(state);
        foreach (var rep in _book.Snapshot())
        {
            // Vouching follows the current config: rewrite every reputation once at start.
            _store.ReputationChanged(rep.NodeId);
        }
        _store.PeersChanged();
        _configuredPeerAddresses = await ResolvePeerAddressesAsync(cancellationToken).ConfigureAwait(false);
        _addresses.SetPeerAddresses(_configuredPeerAddresses);
        await _parts.Enforcer.InitializeAsync(cancellationToken).ConfigureAwait(false);
        _queue.Start();
        _audit.Start();
        _broadcasts?.Start();
        if (_store.StartedAfterCorruption)
        {
            state = state with { Staged = await AdoptKernelBlocksAsync(cancellationToken).ConfigureAwait(false) };
        }
        _coordinator.Restore(state);
        RestoredEntries = _coordinator.Count;
        await _coordinator.ReconcileAsync(cancellationToken).ConfigureAwait(false);
        // What the restore changed (entries that expired while down, their debits) is durable before anything is served.
        await _store.CommitAsync().ConfigureAwait(false);
        if (_parts.Transport is { } transport)
        {
            await transport.StartAsync(_pipeline, cancellationToken).ConfigureAwait(false);
            if (_parts.Settings.Peers.Count > 0)
            {
                var discovery = new PeerDiscovery(transport, _parts.Settings, _parts.Time, _parts.LoggerFactory.CreateLogger<PeerDiscovery>());
                discovery.Resolved += (peer, key) => OnPeerDiscovered(peer with { PublicKey = key });
                _loops.Add(Task.Run(() => RunDiscoveryAsync(discovery, _running.Token), CancellationToken.None));
            }
        }
        foreach (var source in _parts.Detectors)
        {
            _loops.Add(Task.Run(() => RunDetectorAsync(source, _running.Token), CancellationToken.None));
        }
        _loops.Add(Task.Run(() => RunPeriodicAsync(_running.Token), CancellationToken.None));
        LogStarted(_logger, NodeId, _parts.Enforcer.Name, _coordinator.Count);
    }

    /// <summary>Stops the transport and loops, flushes the firewall queue and audit log, and writes the state.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            return;
        }
        _started = false;
        if (_parts.Transport is { } transport)
        {
            try
            {
                await transport.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStopFailed(_logger, "transport", ex.Message, ex);
            }
        }
        if (_running is not null)
        {
            await _running.CancelAsync().ConfigureAwait(false);
        }
        foreach (var loop in _loops)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected on stop.
            }
        }
        _loops.Clear();
        _running?.Dispose();
        _running = null;
        // Not the broadcasts: a transport that hangs must not hold up the stop; DisposeAsync gives them a bounded wait.
        _store.PeersChanged();
        await FlushLocalAsync().ConfigureAwait(false);
    }

    /// <summary>A local detection (also used by detector readers): see <see cref="StagingCoordinator.HandleLocalDetectionAsync"/>.</summary>
    public Task HandleLocalDetectionAsync(Detection detection, CancellationToken cancellationToken) =>
        _coordinator.HandleLocalDetectionAsync(detection, cancellationToken);

    /// <summary>Discovery resolved a peer's key: an operator-listed endpoint's key is vouched for (initial trust).</summary>
    public void OnPeerDiscovered(PeerInfo peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (string.IsNullOrEmpty(peer.PublicKey))
        {
            return;
        }
        var key = peer.PublicKey.ToLowerInvariant();
        lock (_discovered)
        {
            _discovered.RemoveAll(p => p.Endpoint == peer.Endpoint);
            _discovered.Add(peer with { PublicKey = key });
        }
        if (IsConfiguredEndpoint(peer.Endpoint))
        {
            _book.Vouch(key, _parts.Time.GetUtcNow());
        }
        _store.PeersChanged();
        _ = _store.CommitAsync(); // a failure is logged by the store and retried with the next commit
    }

    /// <summary>
    /// More addresses that belong to peers (e.g. what peer discovery resolved since start): never blocked, in
    /// addition to those the configured endpoints resolved to at start.
    /// </summary>
    public void SetPeerAddresses(IEnumerable<IPAddress> discovered)
    {
        ArgumentNullException.ThrowIfNull(discovered);
        _addresses.SetPeerAddresses([.. _configuredPeerAddresses, .. discovered]);
    }

    /// <summary>Periodic work, also called by tests: expiry, hit counters, and a reconcile after a failed batch.</summary>
    internal async Task TickAsync(CancellationToken cancellationToken)
    {
        await _tickGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _coordinator.ExpireDue();
            if (_parts.Transport is not null)
            {
                // Peer link state changes without staging changes; refresh it in the database each tick.
                _store.PeersChanged();
            }
            // Staged means enforced: whatever removed our table, sets, rules or elements, they are back within one poll.
            // A failed heal is logged (once a minute) and retried next poll; a reconcile would only fail the same way.
            if (await _queue.HealAsync(_coordinator.DesiredBlocks(), cancellationToken).ConfigureAwait(false) is { } applied)
            {
                if (_parts.Enforcer.HasHitCounters)
                {
                    _coordinator.ObserveHitCounters(applied);
                }
                if (_queue.NeedsReconcile)
                {
                    // A failed batch may have left a revert undone: make the firewall hold exactly the pool's blocks.
                    await _coordinator.ReconcileAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            await CommitQuietlyAsync().ConfigureAwait(false);
        }
        finally
        {
            _tickGate.Release();
        }
    }

    public MeshNodeSnapshot Snapshot()
    {
        var (entries, remembered) = _coordinator.SnapshotPool();
        return new MeshNodeSnapshot(NodeId, _parts.Enforcer.Name, entries, _book.Snapshot(), remembered.Count,
            _pipeline.Received, _pipeline.Accepted, _pipeline.Rejected, _pipeline.Duplicates,
            _broadcasts?.Sent ?? 0, _broadcasts?.Dropped ?? 0);
    }

    /// <summary>Waits until queued broadcasts are handed to the transport and firewall work, audit lines and state changes are written.</summary>
    public async Task FlushAsync()
    {
        await _coordinator.HandoffsAsync().ConfigureAwait(false);
        if (_broadcasts is not null)
        {
            await _broadcasts.FlushAsync().ConfigureAwait(false);
        }
        await FlushLocalAsync().ConfigureAwait(false);
    }

    /// <summary>As <see cref="FlushAsync"/> without the broadcasts: firewall work, audit lines and state only.</summary>
    internal async Task FlushLocalAsync()
    {
        await _queue.FlushAsync().ConfigureAwait(false);
        await _audit.FlushAsync().ConfigureAwait(false);
        await CommitQuietlyAsync().ConfigureAwait(false);
    }

    // Expiries, confirmations and trust changes of periodic work: committed before the tick ends. A failure is
    // logged by the store (once a minute) and the changes are retried with the next commit.
    private async Task CommitQuietlyAsync()
    {
        try
        {
            await _store.CommitAsync().ConfigureAwait(false);
        }
        catch (StateStoreException)
        {
            // Logged by the store.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_broadcasts is not null)
        {
            await _broadcasts.DisposeAsync().ConfigureAwait(false);
        }
        await _queue.DisposeAsync().ConfigureAwait(false);
        await _audit.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        _tickGate.Dispose();
        _wake.Dispose();
    }

    private List<PersistedPeer> BuildPeers()
    {
        var peers = new List<PersistedPeer>();
        // The link state (reachability, last contact, breaker) is the transport's; it is persisted so that
        // `innerwarden mesh peers` can show it without talking to the running agent.
        var links = new Dictionary<string, PeerLinkStatus>(StringComparer.Ordinal);
        foreach (var link in _parts.Transport?.GetPeerLinks() ?? [])
        {
            links[link.Peer.Endpoint.ToString()] = link;
        }
        foreach (var peer in _parts.Settings.Peers)
        {
            peers.Add(WithLink(new PersistedPeer(peer.Endpoint.ToString(), peer.PublicKey, peer.Label, "config"), links));
        }
        lock (_discovered)
        {
            foreach (var peer in _discovered)
            {
                peers.Add(WithLink(new PersistedPeer(peer.Endpoint.ToString(), peer.PublicKey, peer.Label, "discovered"), links));
            }
        }
        return peers;
    }

    /// <summary>
    /// Counters move on the node's own events; gauges (staged entries, trust, peer links with their delivery
    /// totals) are read at scrape time, so the hot path pays for neither.
    /// </summary>
    private void AttachMetrics(MeshMetrics metrics)
    {
        _events.Recorder = e =>
        {
            switch (e.Kind)
            {
                case NodeEventKind.SignalReceived when e.Action is { } action:
                    metrics.SignalReceived(action, e.Reason);
                    break;
                case NodeEventKind.Refused:
                    metrics.BlockRefused(e.Reason);
                    break;
                case NodeEventKind.Staged when e.Peer == NodeId && e.Detail is { } detector:
                    metrics.LocalDetection(detector);
                    break;
            }
        };
        _queue.BatchCompleted = (operation, count, elapsed) =>
        {
            metrics.ObserveEnforcerBatch(operation, elapsed);
            if (operation == MeshMetrics.EnforcerApply)
            {
                metrics.BlocksApplied(count);
            }
            else
            {
                metrics.BlocksReverted(count);
            }
        };
        metrics.AddCollector(() => metrics.SetAuditTotals(_audit.LinesLost, _audit.SignalsCounted));
        metrics.AddCollector(() =>
        {
            var (entries, _) = _coordinator.SnapshotPool();
            metrics.SetStaged(entries);
            // A configured peer without a public_key has its key learned by discovery; its label belongs to that key.
            var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
            lock (_discovered)
            {
                foreach (var peer in _discovered)
                {
                    if (peer.PublicKey is { } key && ConfiguredLabel(peer.Endpoint) is { } configured)
                    {
                        labels[key] = configured;
                    }
                }
            }
            foreach (var peer in _parts.Settings.Peers)
            {
                if (peer.PublicKey is { } key)
                {
                    labels[key.ToLowerInvariant()] = peer.Label;
                }
            }
            var trust = new List<(string, string?, double)>();
            foreach (var rep in _book.Snapshot())
            {
                trust.Add((rep.NodeId, labels.GetValueOrDefault(rep.NodeId), rep.Trust));
            }
            metrics.SetTrust(trust);
            if (_parts.Transport is { } transport)
            {
                var links = transport.GetPeerLinks();
                metrics.SetPeerLinks(links);
                foreach (var link in links)
                {
                    metrics.SetDeliveryTotals(MeshMetrics.PeerName(link.Peer), link.Delivered, link.Failed);
                }
            }
        });
    }

    // A failed firewall batch: tick (heal) now rather than at the next poll.
    private void HealSoon()
    {
        Interlocked.Exchange(ref _tickNow, 1);
        Wake();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private void OnExpiryScheduled(DateTimeOffset expiresAt)
    {
        if (expiresAt.UtcTicks < Interlocked.Read(ref _scheduledWakeTicks) && _wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another change signalled it first; one wake-up is enough.
            }
        }
    }

    /// <summary>
    /// After a corrupt database was moved aside: what the firewall holds becomes the pool (with the remaining timeouts),
    /// so the reconcile that follows keeps those blocks instead of removing them. Unconfirmed and without contributors:
    /// they run out on time and debit nobody.
    /// </summary>
    private async Task<List<PersistedEntry>> AdoptKernelBlocksAsync(CancellationToken cancellationToken)
    {
        var adopted = new List<PersistedEntry>();
        var now = _parts.Time.GetUtcNow();
        foreach (var block in await _queue.ListAsync(cancellationToken).ConfigureAwait(false) ?? [])
        {
            // A backend without timeouts (log-only, Windows Firewall) does not say how long: the short block's hour.
            var ttl = block.Remaining ?? TimeSpan.FromHours(1);
            if (ttl <= TimeSpan.Zero)
            {
                continue;
            }
            var action = ttl > TimeSpan.FromHours(1) ? SignalAction.BlockedFull : SignalAction.BlockedShortTtl;
            adopted.Add(new PersistedEntry(block.Ip.ToString(), action.ToWire(), 0, "adopted", now, now + ttl, [], false, false));
        }
        LogAdopted(_logger, adopted.Count, _parts.Enforcer.Name);
        return adopted;
    }

    private static PersistedPeer WithLink(PersistedPeer peer, Dictionary<string, PeerLinkStatus> links) =>
        links.TryGetValue(peer.Endpoint, out var link)
            ? peer with
            {
                Reachable = link.Reachable,
                LastContact = link.LastContact,
                Circuit = link.CircuitState,
                PendingDeliveries = link.PendingDeliveries,
                Problem = link.Problem,
            }
            : peer;

    private void RestoreDiscoveredPeers(MeshState state)
    {
        var now = _parts.Time.GetUtcNow();
        foreach (var peer in state.Peers)
        {
            if (peer.Source != "discovered" || string.IsNullOrEmpty(peer.PublicKey)
                || !Uri.TryCreate(peer.Endpoint, UriKind.Absolute, out var endpoint))
            {
                continue;
            }
            lock (_discovered)
            {
                _discovered.Add(new PeerInfo(endpoint, peer.PublicKey, peer.Label));
            }
            if (IsConfiguredEndpoint(endpoint))
            {
                _book.Vouch(peer.PublicKey, now);
            }
        }
    }

    private bool IsConfiguredEndpoint(Uri endpoint) => Configured(endpoint) is not null;

    private string? ConfiguredLabel(Uri endpoint) => Configured(endpoint)?.Label;

    private PeerInfo? Configured(Uri endpoint)
    {
        foreach (var configured in _parts.Settings.Peers)
        {
            if (configured.Endpoint == endpoint)
            {
                return configured;
            }
        }
        return null;
    }

    // Peers' own addresses must never be blocked (a malicious peer could otherwise cut the mesh apart).
    private async Task<List<IPAddress>> ResolvePeerAddressesAsync(CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        foreach (var peer in _parts.Settings.Peers)
        {
            var (found, error) = await PeerAddressResolver.ResolveAsync(peer.Endpoint, cancellationToken).ConfigureAwait(false);
            addresses.AddRange(found);
            if (error is not null)
            {
                LogPeerUnresolved(_logger, peer.Endpoint.IdnHost, error);
            }
        }
        return addresses;
    }

    // The configured poll interval; config validation keeps it positive, this guards hand-built settings (tests).
    private TimeSpan PollInterval => _parts.Settings.PollInterval > TimeSpan.Zero ? _parts.Settings.PollInterval : TimeSpan.FromSeconds(10);

    /// <summary>
    /// Pings configured peers until every key is resolved (or verified), vouching for each as it resolves and
    /// keeping the never-block set in step with the peers' resolved addresses after every round.
    /// </summary>
    private async Task RunDiscoveryAsync(PeerDiscovery discovery, CancellationToken cancellationToken)
    {
        var poll = PollInterval;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await discovery.RunOnceAsync(cancellationToken).ConfigureAwait(false);
                SetPeerAddresses(discovery.PeerAddresses);
                if (discovery.AllResolved)
                {
                    return;
                }
                await Task.Delay(poll, _parts.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RunDetectorAsync(IDetectionSource source, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var detection in source.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    await _coordinator.HandleLocalDetectionAsync(detection, cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromSeconds(1);
                }
                LogSourceEnded(_logger, source.Name);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One broken detector must not take the node down: it is logged and restarted.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogSourceFailed(_logger, source.Name, ex.Message, backoff.TotalSeconds, ex);
            }
            await Task.Delay(backoff, _parts.Time, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxDetectorBackoff.Ticks));
        }
    }

    private async Task RunPeriodicAsync(CancellationToken cancellationToken)
    {
        var poll = PollInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = poll;
            if (_coordinator.NextExpiry() is { } next)
            {
                var untilNext = next - _parts.Time.GetUtcNow();
                // Timers round to whole milliseconds and may fire that much early; an entry must be due when the
                // tick runs, or its hit counters would be read while it is still staged.
                untilNext += TimeSpan.FromMilliseconds(2);
                delay = untilNext < delay ? (untilNext > TimeSpan.Zero ? untilNext : TimeSpan.FromMilliseconds(1)) : delay;
            }
            Interlocked.Exchange(ref _scheduledWakeTicks, (_parts.Time.GetUtcNow() + delay).UtcTicks);
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var sleep = Task.Delay(delay, _parts.Time, wait.Token);
                var woken = _wake.WaitAsync(wait.Token);
                var first = await Task.WhenAny(sleep, woken).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (first == woken && first.IsCompletedSuccessfully && Interlocked.Exchange(ref _tickNow, 0) == 0)
                {
                    // An earlier expiry was staged: recompute the wait instead of ticking now.
                    continue;
                }
            }
            try
            {
                await TickAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogTickFailed(_logger, ex.Message, ex);
            }
        }
    }

    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "mesh node {NodeId} started: enforcer {Enforcer}, {Staged} staged entries restored")]
    private static partial void LogStarted(ILogger logger, string nodeId, string enforcer, int staged);

    [LoggerMessage(EventId = 3607, Level = LogLevel.Warning, Message = "adopted {Count} blocks from {Enforcer} with their remaining timeouts (the state database was corrupt)")]
    private static partial void LogAdopted(ILogger logger, int count, string enforcer);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Error, Message = "detector {Source} failed, restarting in {BackoffSecs}s: {Error}")]
    private static partial void LogSourceFailed(ILogger logger, string source, string error, double backoffSecs, Exception exception);

    [LoggerMessage(EventId = 3602, Level = LogLevel.Warning, Message = "detector {Source} ended; restarting it")]
    private static partial void LogSourceEnded(ILogger logger, string source);

    [LoggerMessage(EventId = 3603, Level = LogLevel.Error, Message = "periodic work failed: {Error}")]
    private static partial void LogTickFailed(ILogger logger, string error, Exception exception);

    [LoggerMessage(EventId = 3604, Level = LogLevel.Warning, Message = "peer host {Host} could not be resolved; its addresses are not protected from blocking until it is: {Error}")]
    private static partial void LogPeerUnresolved(ILogger logger, string host, string error);

    [LoggerMessage(EventId = 3605, Level = LogLevel.Error, Message = "stopping {Part} failed: {Error}")]
    private static partial void LogStopFailed(ILogger logger, string part, string error, Exception exception);
}

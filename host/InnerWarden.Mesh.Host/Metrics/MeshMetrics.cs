using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace InnerWarden.Mesh.Host.Metrics;

/// <summary>
/// One node's Prometheus metrics and the methods that record them. Each instance owns its registry (never
/// prometheus-net's static default one) because the demo runs several nodes in one process. Counters are
/// recorded on the hot path through cached children (no allocation per call); gauges that mirror state
/// (trust, staged counts, peer links) are best refreshed at scrape time through <see cref="AddCollector"/>.
/// No method throws on odd input: metrics must never break the path they observe.
/// </summary>
internal sealed partial class MeshMetrics
{
    /// <summary>Prefix of every metric name.</summary>
    public const string Prefix = "innerwarden_mesh_";

    /// <summary>Most distinct <c>peer</c> label values; further peers count under <c>other</c>.</summary>
    public const int MaxPeerLabels = 256;

    /// <summary>Most distinct <c>detector</c> label values; further detectors count under <c>other</c>.</summary>
    public const int MaxDetectorLabels = 64;

    /// <summary>Characters of the node_id kept in the <c>peer</c> label of <c>peer_trust</c>.</summary>
    public const int ShortNodeIdLength = 16;

    /// <summary>The <c>operation</c> label of an enforcer apply batch.</summary>
    public const string EnforcerApply = "apply";

    /// <summary>The <c>operation</c> label of an enforcer revert batch.</summary>
    public const string EnforcerRevert = "revert";

    /// <summary>Histogram buckets of enforcer batches: 0.5 ms (one in-process set update) to 5 s (100,000 elements).</summary>
    internal static readonly double[] EnforcerBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly SignalAction[] Actions = Enum.GetValues<SignalAction>();
    private static readonly RejectReason[] Reasons = Enum.GetValues<RejectReason>();

    private readonly ILogger _logger;
    private readonly Counter _received;
    private readonly Counter.Child?[] _receivedByVerdict;
    private readonly Counter _sent;
    private readonly Counter _failed;
    private readonly Gauge _circuit;
    private readonly Gauge _reachable;
    private readonly Gauge _trust;
    private readonly Counter _refused;
    private readonly Counter.Child?[] _refusedByReason;
    private readonly Histogram.Child _applyBatch;
    private readonly Histogram.Child _revertBatch;
    private readonly Histogram _batch;
    private readonly Counter _blocksApplied;
    private readonly Counter _blocksReverted;
    private readonly Gauge.Child _stagedWatchlisted;
    private readonly Gauge.Child _stagedShort;
    private readonly Gauge.Child _stagedFull;
    private readonly Counter _collectErrors;
    private readonly Counter _auditLinesLost;
    private readonly Counter _auditSignalsCounted;
    private readonly BoundedLabelMap<DeliverySeries> _delivery;
    private readonly BoundedLabelMap<LinkSeries> _links;
    private readonly BoundedLabelMap<TrustSeries> _trustByNode;
    private readonly BoundedLabelMap<Counter.Child> _detections;
    private readonly Lock _snapshotGate = new();

    /// <summary>Metrics of the node <paramref name="nodeId"/> running <paramref name="version"/>, in a registry of their own.</summary>
    public MeshMetrics(string nodeId, string version, ILogger<MeshMetrics>? logger = null)
    {
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);

        factory.CreateGauge(Prefix + "info", "Build and identity of this node; always 1.", "version", "node_id")
            .WithLabels(version ?? "", nodeId ?? "").Set(1);

        _received = factory.CreateCounter(Prefix + "signals_received_total",
            "Inbound signals by what became of them (verdict: docs/protocol.md action) and why they were refused (reason: RejectReason, none when not refused).",
            "verdict", "reason");
        _receivedByVerdict = new Counter.Child?[Actions.Length * Reasons.Length];

        _sent = factory.CreateCounter(Prefix + "signals_sent_total", "Signals delivered to a peer.", "peer");
        _failed = factory.CreateCounter(Prefix + "signal_delivery_failures_total",
            "Attempts to deliver a signal to a peer that failed (timeout, refused, error status, open circuit).", "peer");
        _delivery = new BoundedLabelMap<DeliverySeries>(MaxPeerLabels,
            peer => new DeliverySeries(_sent.WithLabels(peer), _failed.WithLabels(peer)));

        _circuit = factory.CreateGauge(Prefix + "peer_circuit_state",
            "Circuit breaker state of the link to a peer: 0 closed, 1 half-open, 2 open, -1 unknown.", "peer");
        _reachable = factory.CreateGauge(Prefix + "peer_reachable", "1 when the last attempt to reach the peer succeeded, else 0.", "peer");
        _links = new BoundedLabelMap<LinkSeries>(MaxPeerLabels, peer => new LinkSeries(_circuit.WithLabels(peer), _reachable.WithLabels(peer)));

        _trust = factory.CreateGauge(Prefix + "peer_trust",
            "Trust in a peer's identity, 0 to 1 (peer: first 16 hex of its node_id; peer_label: its configured label, empty if none).",
            "peer", "peer_label");
        _trustByNode = new BoundedLabelMap<TrustSeries>(MaxPeerLabels, _ => new TrustSeries());

        var staged = factory.CreateGauge(Prefix + "staged_entries", "Addresses in the staging pool by action.", "action");
        _stagedWatchlisted = staged.WithLabels(SignalAction.Watchlisted.ToWire());
        _stagedShort = staged.WithLabels(SignalAction.BlockedShortTtl.ToWire());
        _stagedFull = staged.WithLabels(SignalAction.BlockedFull.ToWire());

        _blocksApplied = factory.CreateCounter(Prefix + "blocks_applied_total", "Addresses applied to the firewall.");
        _blocksReverted = factory.CreateCounter(Prefix + "blocks_reverted_total", "Addresses removed from the firewall.");
        _refused = factory.CreateCounter(Prefix + "blocks_refused_total",
            "Blocks the enforcement guard refused to apply, by reason (e.g. Allowlisted, PrivateIp).", "reason");
        _refusedByReason = new Counter.Child?[Reasons.Length];

        var batch = factory.CreateHistogram(Prefix + "enforcer_batch_seconds", "Time one firewall batch took, by operation (apply, revert).",
            ["operation"], new HistogramConfiguration { Buckets = EnforcerBuckets });
        _batch = batch;
        _applyBatch = batch.WithLabels(EnforcerApply);
        _revertBatch = batch.WithLabels(EnforcerRevert);

        var detections = factory.CreateCounter(Prefix + "local_detections_total", "Attacks this node saw itself, by detector.", "detector");
        _detections = new BoundedLabelMap<Counter.Child>(MaxDetectorLabels, detector => detections.WithLabels(detector));

        _auditLinesLost = factory.CreateCounter(Prefix + "audit_lines_lost_total",
            "Audit lines the disk did not take (disk full, I/O error); signals were judged all the same.");
        _auditSignalsCounted = factory.CreateCounter(Prefix + "audit_signals_counted_total",
            "Signals of unknown signers past audit.unknown_lines_per_minute, counted into a per-minute audit line instead of one each.");
        _collectErrors = factory.CreateCounter(Prefix + "metrics_collect_errors_total",
            "Scrape-time refresh callbacks that threw (the scrape still answers with the other values).");
    }

    /// <summary>This node's registry; <see cref="MetricsServer"/> exports it.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Runs <paramref name="collect"/> before every scrape, to refresh gauges from state lazily; exceptions are logged and counted.</summary>
    public void AddCollector(Action collect)
    {
        ArgumentNullException.ThrowIfNull(collect);
        Registry.AddBeforeCollectCallback(() =>
        {
            try
            {
                collect();
            }
#pragma warning disable CA1031 // One broken refresh must not take the whole endpoint down; it is logged and counted.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _collectErrors.Inc();
                LogCollectFailed(ex);
            }
        });
    }

    /// <summary>Raises the audit counters to the audit log's own totals (scrape-time pull).</summary>
    public void SetAuditTotals(long linesLost, long signalsCounted)
    {
        _auditLinesLost.IncTo(linesLost);
        _auditSignalsCounted.IncTo(signalsCounted);
    }

    /// <summary>Counts one inbound signal by its verdict's action and reason.</summary>
    public void SignalReceived(SignalVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        SignalReceived(verdict.Action, verdict.Reason);
    }

    /// <summary>Counts one inbound signal by action and reason.</summary>
    public void SignalReceived(SignalAction action, RejectReason reason)
    {
        var a = (int)action;
        var r = (int)reason;
        if ((uint)a >= (uint)Actions.Length || (uint)r >= (uint)Reasons.Length)
        {
            // An enum value added after this build: count it by name (slow, rare) rather than drop it.
            _received.WithLabels(action.ToString(), reason.ToString()).Inc();
            return;
        }
        var slot = (a * Reasons.Length) + r;
        var child = _receivedByVerdict[slot] ??= _received.WithLabels(action.ToWire(), ReasonLabel(reason));
        child.Inc();
    }

    /// <summary>Counts a signal delivered to <paramref name="peer"/> (see <see cref="PeerName"/>).</summary>
    public void SignalSent(string peer, int count = 1)
    {
        if (count > 0)
        {
            _delivery.GetOrOverflow(peer).Sent.Inc(count);
        }
    }

    /// <summary>Counts a failed delivery attempt to <paramref name="peer"/>.</summary>
    public void DeliveryFailed(string peer, int count = 1)
    {
        if (count > 0)
        {
            _delivery.GetOrOverflow(peer).Failed.Inc(count);
        }
    }

    /// <summary>
    /// Raises the per-peer delivery counters to cumulative totals the transport keeps itself (scrape-time pull);
    /// a total lower than the counter (a restarted transport) leaves the counter alone.
    /// </summary>
    public void SetDeliveryTotals(string peer, long sent, long failed)
    {
        var series = _delivery.GetOrOverflow(peer);
        series.Sent.IncTo(sent);
        series.Failed.IncTo(failed);
    }

    /// <summary>Sets a peer's circuit state (<c>closed</c>, <c>half-open</c>, <c>open</c>; Polly's names work too) and reachability.</summary>
    public void SetPeerLink(string peer, string? circuitState, bool reachable)
    {
        if (_links.TryGet(peer, out var series))
        {
            series.Circuit.Set(CircuitStateValue(circuitState));
            series.Reachable.Set(reachable ? 1 : 0);
        }
    }

    /// <summary>Sets every peer link from the transport's view and drops the series of peers no longer in it.</summary>
    public void SetPeerLinks(IReadOnlyList<PeerLinkStatus> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        lock (_snapshotGate)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var link in links)
            {
                var name = PeerName(link.Peer);
                SetPeerLink(name, link.CircuitState, link.Reachable);
                seen.Add(BoundedLabelMap<LinkSeries>.Normalize(name));
            }
            foreach (var stale in _links.Values.Where(v => !seen.Contains(v)).ToList())
            {
                if (_links.TryRemove(stale, out var series))
                {
                    series.Circuit.Remove();
                    series.Reachable.Remove();
                }
            }
        }
    }

    /// <summary>Sets the trust of the identity <paramref name="nodeId"/>, shown by its first 16 hex and its label when known.</summary>
    public void SetTrust(string nodeId, string? label, double trust)
    {
        if (!_trustByNode.TryGet(nodeId, out var series))
        {
            return;
        }
        var labelValue = string.IsNullOrEmpty(label) ? "" : BoundedLabelMap<TrustSeries>.Normalize(label);
        lock (series)
        {
            if (series.Child is null || series.Label != labelValue)
            {
                // The label became known (discovery resolved it) or changed: the old series would linger as a duplicate.
                // Two identities sharing 16 hex (64 bits) would share a series; finding such a key costs ~2^64 work.
                series.Child?.Remove();
                series.Child = _trust.WithLabels(ShortNodeId(nodeId), labelValue);
                series.Label = labelValue;
            }
            series.Child.Set(trust);
        }
    }

    /// <summary>
    /// Sets trust for every identity in <paramref name="peers"/> and drops identities no longer in it. Past
    /// <see cref="MaxPeerLabels"/> identities the rest are not shown, so put configured peers first.
    /// </summary>
    public void SetTrust(IEnumerable<(string NodeId, string? Label, double Trust)> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        lock (_snapshotGate)
        {
            var shown = new List<(string NodeId, string? Label, double Trust)>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var peer in peers)
            {
                if (keys.Count < MaxPeerLabels || keys.Contains(BoundedLabelMap<TrustSeries>.Normalize(peer.NodeId)))
                {
                    keys.Add(BoundedLabelMap<TrustSeries>.Normalize(peer.NodeId));
                    shown.Add(peer);
                }
            }
            // Free the slots of identities gone from the book before new ones need them.
            foreach (var stale in _trustByNode.Values.Where(v => !keys.Contains(v)).ToList())
            {
                if (_trustByNode.TryRemove(stale, out var series))
                {
                    lock (series)
                    {
                        series.Child?.Remove();
                        series.Child = null;
                    }
                }
            }
            foreach (var (nodeId, label, trust) in shown)
            {
                SetTrust(nodeId, label, trust);
            }
        }
    }

    /// <summary>Sets the staging pool's size by action.</summary>
    public void SetStaged(int watchlisted, int blockedShort, int blockedFull)
    {
        _stagedWatchlisted.Set(watchlisted);
        _stagedShort.Set(blockedShort);
        _stagedFull.Set(blockedFull);
    }

    /// <summary>Sets the staging pool's size by action from its entries.</summary>
    public void SetStaged(IReadOnlyList<StagedEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int watch = 0, shortTtl = 0, full = 0;
        foreach (var entry in entries)
        {
            switch (entry.Action)
            {
                case SignalAction.Watchlisted: watch++; break;
                case SignalAction.BlockedShortTtl: shortTtl++; break;
                case SignalAction.BlockedFull: full++; break;
                default: break;
            }
        }
        SetStaged(watch, shortTtl, full);
    }

    /// <summary>Counts addresses applied to the firewall.</summary>
    public void BlocksApplied(int count)
    {
        if (count > 0)
        {
            _blocksApplied.Inc(count);
        }
    }

    /// <summary>Counts addresses removed from the firewall.</summary>
    public void BlocksReverted(int count)
    {
        if (count > 0)
        {
            _blocksReverted.Inc(count);
        }
    }

    /// <summary>Counts a block the enforcement guard refused.</summary>
    public void BlockRefused(RejectReason reason)
    {
        var r = (int)reason;
        if ((uint)r >= (uint)Reasons.Length)
        {
            _refused.WithLabels(reason.ToString()).Inc();
            return;
        }
        (_refusedByReason[r] ??= _refused.WithLabels(ReasonLabel(reason))).Inc();
    }

    /// <summary>Records how long one enforcer batch took; <paramref name="operation"/> is <see cref="EnforcerApply"/> or <see cref="EnforcerRevert"/>.</summary>
    public void ObserveEnforcerBatch(string operation, TimeSpan elapsed)
    {
        var child = operation switch
        {
            EnforcerApply => _applyBatch,
            EnforcerRevert => _revertBatch,
            // A caller's typo: counted apart (allocates, but only on a path that should not exist).
            _ => _batch.WithLabels("other"),
        };
        child.Observe(Math.Max(0, elapsed.TotalSeconds));
    }

    /// <summary>Counts one local detection by the detector that made it.</summary>
    public void LocalDetection(string detector) => _detections.GetOrOverflow(detector).Inc();

    /// <summary>The <c>peer</c> label of a link: its configured label, else the endpoint's host:port.</summary>
    public static string PeerName(PeerInfo peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return string.IsNullOrEmpty(peer.Label) ? peer.Endpoint.Authority : peer.Label;
    }

    /// <summary>The first 16 characters of a node_id, enough to tell identities apart on a dashboard.</summary>
    public static string ShortNodeId(string nodeId)
    {
        var id = BoundedLabelMap<TrustSeries>.Normalize(nodeId);
        return id.Length <= ShortNodeIdLength ? id : id[..ShortNodeIdLength];
    }

    /// <summary>The circuit gauge value of a breaker state name: 0 closed, 1 half-open, 2 open (or isolated), -1 unknown.</summary>
    public static double CircuitStateValue(string? state)
    {
        var normalized = (state ?? "").Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return normalized.ToUpperInvariant() switch
        {
            "CLOSED" => 0,
            "HALFOPEN" => 1,
            "OPEN" or "ISOLATED" => 2,
            _ => -1,
        };
    }

    private static string ReasonLabel(RejectReason reason) => reason == RejectReason.None ? "none" : reason.ToString();

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "A metrics refresh callback failed; the scrape goes on without it")]
    private partial void LogCollectFailed(Exception exception);

    private sealed record DeliverySeries(Counter.Child Sent, Counter.Child Failed);

    private sealed record LinkSeries(Gauge.Child Circuit, Gauge.Child Reachable);

    private sealed class TrustSeries
    {
        public Gauge.Child? Child { get; set; }

        public string Label { get; set; } = "";
    }
}

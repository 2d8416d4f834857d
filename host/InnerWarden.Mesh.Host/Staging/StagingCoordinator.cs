using System.Collections.Concurrent;
using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Broadcast;
using InnerWarden.Mesh.Host.Enforcement;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Trust;
using InnerWarden.Mesh.Host.Validation;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Staging;

/// <summary>
/// Applies what the staging pool decides to the world: blocks and reverts to the firewall (through the
/// <see cref="EnforcementQueue"/>), confirmations and contradictions to peers' trust, changes to the state file.
/// It is also the last gate before the firewall: no block for an address the <see cref="AddressPolicy"/>
/// refuses (own, peer, allowlisted, private) is ever handed on, whatever the pool says. Thread-safe: every
/// pool call happens under one lock.
/// </summary>
internal sealed partial class StagingCoordinator
{
    /// <summary>TTL suggested for signals of local detections that did not stage.</summary>
    public static readonly TimeSpan DefaultSignalTtl = TimeSpan.FromHours(1);

    private readonly IStagingPool _pool;
    private readonly ReputationBook _book;
    private readonly EnforcementQueue _queue;
    private readonly AddressPolicy _addresses;
    private readonly AuditLog _audit;
    private readonly BroadcastQueue? _broadcasts;
    private readonly string _ownNodeId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, long> _lastHits = [];
    // Local detections whose commit (and then broadcast) is still under way, so a flush can wait for them.
    private readonly ConcurrentDictionary<long, Task> _handoffs = new();
    private long _handoffIds;

    public StagingCoordinator(IStagingPool pool, ReputationBook book, EnforcementQueue queue, AddressPolicy addresses,
        AuditLog audit, BroadcastQueue? broadcasts, string ownNodeId, TimeProvider time, ILogger logger)
    {
        _pool = pool;
        _book = book;
        _queue = queue;
        _addresses = addresses;
        _audit = audit;
        _broadcasts = broadcasts;
        _ownNodeId = ownNodeId;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where every pool change is recorded for the next commit; null keeps the node in memory only (unit tests).</summary>
    public StateStore? State { get; init; }

    /// <summary>Blocks that expired unconfirmed, for crediting their contributors back when this node detects the address later; null: off.</summary>
    public LateConfirmations? Late { get; init; }

    /// <summary>Called with the expiry of every entry staged or renewed, so the node can wake earlier for it (O(1), unlike <see cref="NextExpiry"/>).</summary>
    public Action<DateTimeOffset>? ExpiryScheduled { get; set; }

    /// <summary>Where narration events go (the node's observer hook).</summary>
    public NodeEventHub Events { get; init; } = new(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    /// <summary>Trust in this node's own detections (score = this x confidence).</summary>
    public double SelfTrust { get; init; } = 1.0;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pool.Count;
            }
        }
    }

    public (IReadOnlyList<StagedEntry> Entries, IReadOnlyList<RememberedSignal> Remembered) SnapshotPool()
    {
        lock (_gate)
        {
            return ([.. _pool.Entries], [.. _pool.Remembered]);
        }
    }

    /// <summary>Stages a weighed report and applies the result.</summary>
    public StageResult Stage(StageRequest request) => Stage(request, waitForFirewall: false, out _);

    /// <summary>The entry for an address now (the state store reads it at commit).</summary>
    public StagedEntry? Find(IPAddress ip)
    {
        lock (_gate)
        {
            return _pool.Find(ip);
        }
    }

    /// <summary>
    /// Stages a weighed report (from the inbound pipeline) and applies the result; <paramref name="enforced"/> completes
    /// when a block it caused has been handed to the firewall (null when there was none), so the reply can wait for it.
    /// </summary>
    public StageResult Stage(StageRequest request, bool waitForFirewall, out Task? enforced)
    {
        ArgumentNullException.ThrowIfNull(request);
        StageResult result;
        lock (_gate)
        {
            result = _pool.Stage(request);
            enforced = ApplyStaged(result, result.Current, request.Now, waitForFirewall);
        }
        AfterStaged(result.Current, request);
        return result;
    }

    /// <summary>
    /// This node saw <paramref name="detection"/> itself: refuse never-block addresses, stage it at
    /// <see cref="SelfTrust"/> x confidence and confirm it (crediting every peer that reported it, also those whose
    /// signals were discarded) as one pool transition, so the firewall gets one transaction for it; then, when
    /// broadcasting is on, queue it for the peers. Never waits on the network.
    /// </summary>
    public Task HandleLocalDetectionAsync(Detection detection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(detection);
        cancellationToken.ThrowIfCancellationRequested();
        if (detection.Ip.IsIPv4MappedToIPv6)
        {
            detection = detection with { Ip = detection.Ip.MapToIPv4() };
        }
        var verdict = _addresses.Classify(detection.Ip);
        if (verdict.Reason != RejectReason.None)
        {
            LogLocalRefused(_logger, detection.Ip, detection.Detector, verdict.Reason, verdict.Detail);
            return Task.CompletedTask;
        }
        if (!float.IsFinite(detection.Confidence))
        {
            LogLocalRefused(_logger, detection.Ip, detection.Detector, RejectReason.InvalidConfidence, "confidence is not a finite number");
            return Task.CompletedTask;
        }
        var now = _time.GetUtcNow();
        double score = Math.Clamp(SelfTrust * detection.Confidence, 0, 1);
        var request = new StageRequest(detection.Ip, _ownNodeId, score, detection.Detector, DefaultSignalTtl, Local: true, now);
        StageResult staged;
        ConfirmResult confirmed;
        lock (_gate)
        {
            staged = _pool.Stage(request);
            confirmed = _pool.Confirm(detection.Ip, now);
            // The firewall sees only where the pair ends: the confirmed (full) block, not the staged one first.
            ApplyStaged(staged, confirmed.Current ?? staged.Current, now, waitForFirewall: false);
            RecordConfirmed(detection.Ip, confirmed);
        }
        AfterStaged(staged.Current, request);
        AfterConfirmed(detection.Ip, confirmed, now);
        CreditLate(detection, now);
        ulong? broadcastTtl = null;
        if (_broadcasts is not null)
        {
            var entry = confirmed.Current ?? staged.Current;
            broadcastTtl = entry is not null && staged.Action != SignalAction.Discarded && entry.ExpiresAt > now
                ? (ulong)Math.Ceiling((entry.ExpiresAt - now).TotalSeconds)
                : (ulong)DefaultSignalTtl.TotalSeconds;
        }
        // The block is queued above, before any disk write: a detection never waits for an fsync, nor for a peer.
        // (A block the disk has not recorded yet costs nothing: at worst a crash forgets it and the kernel drops it
        // at the restart's reconcile; a block delayed behind a commit would let the attacker in meanwhile.)
        // The broadcast waits for the commit (a local disk write, group-committed with everything else): peers never
        // hear of a block this node would forget in a crash.
        var commit = State?.CommitAsync() ?? Task.CompletedTask;
        if (commit.IsCompletedSuccessfully)
        {
            if (broadcastTtl is { } ttl)
            {
                _broadcasts!.Enqueue(detection, ttl, score);
            }
            return Task.CompletedTask;
        }
        long id = Interlocked.Increment(ref _handoffIds);
        var handoff = BroadcastWhenCommittedAsync(id, commit, detection, broadcastTtl, score);
        if (_handoffs.TryAdd(id, handoff) && handoff.IsCompleted)
        {
            _handoffs.TryRemove(id, out _);
        }
        return Task.CompletedTask;
    }

    /// <summary>Completes when every local detection made so far is committed and, when broadcasting, queued for the peers.</summary>
    public Task HandoffsAsync() => _handoffs.IsEmpty ? Task.CompletedTask : Task.WhenAll(_handoffs.Values);

    private async Task BroadcastWhenCommittedAsync(long id, Task commit, Detection detection, ulong? ttl, double score)
    {
        try
        {
            await commit.ConfigureAwait(false);
            if (ttl is { } secs)
            {
                _broadcasts!.Enqueue(detection, secs, score);
            }
        }
        catch (StateStoreException ex)
        {
            if (ttl is not null)
            {
                LogLocalNotBroadcast(_logger, detection.Ip, ex.Message);
            }
        }
        finally
        {
            _handoffs.TryRemove(id, out _);
        }
    }

    /// <summary>A local observation of <paramref name="ip"/>: credits its contributors and upgrades it to the full block.</summary>
    public ConfirmResult Confirm(IPAddress ip, DateTimeOffset now)
    {
        ConfirmResult result;
        lock (_gate)
        {
            result = _pool.Confirm(ip, now);
            ApplyTransition(result.Previous, result.Current, now, waitForFirewall: false);
            RecordConfirmed(ip, result);
        }
        AfterConfirmed(ip, result, now);
        return result;
    }

    /// <summary>Removes expired entries: their blocks are reverted and every contributor of an unconfirmed one is debited.</summary>
    public IReadOnlyList<StagedEntry> ExpireDue()
    {
        var now = _time.GetUtcNow();
        IReadOnlyList<StagedEntry> expired;
        lock (_gate)
        {
            expired = _pool.Expire(now);
            foreach (var entry in expired)
            {
                State?.StagedChanged(entry.Ip);
            }
        }
        foreach (var entry in expired)
        {
            Retire(entry, now);
        }
        return expired;
    }

    /// <summary>The earliest expiry in the pool, null when it is empty.</summary>
    public DateTimeOffset? NextExpiry()
    {
        lock (_gate)
        {
            DateTimeOffset? next = null;
            foreach (var entry in _pool.Entries)
            {
                if (next is null || entry.ExpiresAt < next)
                {
                    next = entry.ExpiresAt;
                }
            }
            return next;
        }
    }

    /// <summary>
    /// Loads persisted entries: those that expired while the node was down are reverted and debited at once,
    /// the rest restored into the pool. Returns how many had expired.
    /// </summary>
    public int Restore(MeshState state)
    {
        var now = _time.GetUtcNow();
        var live = new List<StagedEntry>(state.Staged.Count);
        var expired = new List<StagedEntry>();
        foreach (var persisted in state.Staged)
        {
            if (persisted.ToEntry() is not { } entry)
            {
                LogBadPersistedEntry(_logger, persisted.Ip, persisted.Action);
                continue;
            }
            (entry.ExpiresAt > now ? live : expired).Add(entry);
        }
        var remembered = new List<RememberedSignal>(state.Remembered.Count);
        foreach (var persisted in state.Remembered)
        {
            if (persisted.ToRemembered() is { } signal && signal.ExpiresAt > now)
            {
                remembered.Add(signal);
            }
        }
        lock (_gate)
        {
            _pool.Restore(live, remembered);
            // Every stored row is written again from the pool: expired ones go, those the pool did not keep go too.
            foreach (var persisted in state.Staged)
            {
                if (IPAddress.TryParse(persisted.Ip, out var ip))
                {
                    State?.StagedChanged(ip);
                }
            }
        }
        foreach (var entry in expired)
        {
            Retire(entry, now);
        }
        if (expired.Count > 0)
        {
            LogExpiredWhileDown(_logger, expired.Count);
        }
        return expired.Count;
    }

    /// <summary>The blocks the firewall must hold now (self-healing checks them every poll); refusals are not logged again here.</summary>
    public IReadOnlyList<StagedEntry> DesiredBlocks()
    {
        var desired = new List<StagedEntry>();
        lock (_gate)
        {
            foreach (var entry in _pool.Entries)
            {
                if (entry.IsBlock && _addresses.Classify(entry.Ip).Reason == RejectReason.None)
                {
                    desired.Add(entry);
                }
            }
        }
        return desired;
    }

    /// <summary>Makes the firewall hold exactly the pool's blocks that are safe to apply.</summary>
    public Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var desired = new List<StagedEntry>();
        lock (_gate)
        {
            foreach (var entry in _pool.Entries)
            {
                if (entry.IsBlock && IsSafeToBlock(entry, now))
                {
                    desired.Add(entry);
                }
            }
        }
        return _queue.ReconcileAsync(desired, cancellationToken);
    }

    /// <summary>
    /// Drops counted on a blocked address since the last poll are local confirmation: the attacker is still
    /// trying, and a block must not stop its reporters from earning trust (DESIGN.md).
    /// </summary>
    public void ObserveHitCounters(IReadOnlyList<AppliedBlock> applied)
    {
        var now = _time.GetUtcNow();
        var confirm = new List<IPAddress>();
        lock (_gate)
        {
            var present = new HashSet<IPAddress>();
            foreach (var block in applied)
            {
                if (block.PacketsDropped is not { } dropped)
                {
                    continue;
                }
                present.Add(block.Ip);
                long before = _lastHits.GetValueOrDefault(block.Ip);
                _lastHits[block.Ip] = dropped;
                // Only an unconfirmed entry needs the hits: once confirmed it is a full block already, and
                // re-applying it (which renews the element) resets the kernel's counter, which must not read
                // as fresh traffic and re-confirm it on every poll.
                if (dropped > before && _pool.Find(block.Ip) is { Confirmed: false })
                {
                    confirm.Add(block.Ip);
                }
            }
            var gone = new List<IPAddress>();
            foreach (var ip in _lastHits.Keys)
            {
                if (!present.Contains(ip))
                {
                    gone.Add(ip);
                }
            }
            foreach (var ip in gone)
            {
                _lastHits.Remove(ip);
            }
        }
        foreach (var ip in confirm)
        {
            LogHitConfirmed(_logger, ip);
            Confirm(ip, now);
        }
    }

    // Called under _gate: the firewall work of a stage whose entry ends as current (the staged one, or what a
    // confirmation in the same transition made of it), and the revert of a block the pool evicted for it.
    // Called under _gate; records every address whose entry changed for the next commit.
    private Task? ApplyStaged(StageResult result, StagedEntry? current, DateTimeOffset now, bool waitForFirewall)
    {
        var enforced = ApplyTransition(result.Previous, current, now, waitForFirewall);
        if (current is not null || result.Previous is not null)
        {
            State?.StagedChanged((current ?? result.Previous)!.Ip);
        }
        if (result.Evicted is { } gone && (current is null || !current.Ip.Equals(gone.Ip)))
        {
            State?.StagedChanged(gone.Ip);
            if (gone.IsBlock)
            {
                _queue.Revert(gone.Ip);
            }
        }
        return enforced;
    }

    // Called under _gate: a confirmation changed the entry, and credited remembered signals must not come back after a restart.
    private void RecordConfirmed(IPAddress ip, ConfirmResult result)
    {
        if (result.Current is not null)
        {
            State?.StagedChanged(ip);
        }
        if (result.CreditedPeers.Count > 0)
        {
            State?.RememberedTaken(ip);
        }
    }

    private void AfterStaged(StagedEntry? current, StageRequest request)
    {
        if (current is null)
        {
            return;
        }
        ExpiryScheduled?.Invoke(current.ExpiresAt);
        if (Events.IsObserved)
        {
            Events.Publish(new NodeEvent(NodeEventKind.Staged, request.Now, current.Ip, request.Contributor, current.Action, current.Score,
                Ttl: current.ExpiresAt - request.Now, Detail: request.Detector));
        }
    }

    private void AfterConfirmed(IPAddress ip, ConfirmResult result, DateTimeOffset now)
    {
        Credit(ip, result.CreditedPeers, now, "confirmed");
        if (result.Current is { } current)
        {
            Events.Publish(new NodeEvent(NodeEventKind.Confirmed, now, ip, null, current.Action, current.Score, Ttl: current.ExpiresAt - now));
        }
    }

    // A confirmation for each peer that reported ip (this node's own id aside: it keeps no reputation of itself).
    private void Credit(IPAddress ip, IEnumerable<string> peers, DateTimeOffset now, string detail)
    {
        foreach (var peer in peers)
        {
            if (!string.Equals(peer, _ownNodeId, StringComparison.Ordinal))
            {
                var change = _book.OnConfirmed(peer, now);
                Events.Publish(new NodeEvent(NodeEventKind.TrustChanged, now, ip, peer, TrustBefore: change.Before, TrustAfter: change.After, Detail: detail));
            }
        }
    }

    // Called under _gate: turns the pool's before/after pair into firewall work.
    private Task? ApplyTransition(StagedEntry? previous, StagedEntry? current, DateTimeOffset now, bool waitForFirewall)
    {
        bool wasBlock = previous is { IsBlock: true };
        if (current is { IsBlock: true })
        {
            bool changed = !wasBlock || previous!.Action != current.Action || previous.ExpiresAt != current.ExpiresAt;
            if (changed && IsSafeToBlock(current, now))
            {
                if (waitForFirewall)
                {
                    return _queue.BlockAndWait(current.Ip, current.ExpiresAt - now);
                }
                _queue.Block(current.Ip, current.ExpiresAt - now);
            }
        }
        else if (wasBlock)
        {
            _queue.Revert(previous!.Ip);
        }
        return null;
    }

    private bool IsSafeToBlock(StagedEntry entry, DateTimeOffset now)
    {
        var verdict = _addresses.Classify(entry.Ip);
        if (verdict.Reason == RejectReason.None)
        {
            return true;
        }
        LogBlockRefused(_logger, entry.Ip, verdict.Reason, verdict.Detail);
        _audit.Write(new AuditRecord(now, "local", null, entry.Ip.ToString(), entry.Detector, null, null, null, null,
            "refused", verdict.Reason.ToString(), verdict.Detail, entry.Score, null, null));
        Events.Publish(new NodeEvent(NodeEventKind.Refused, now, entry.Ip, null, entry.Action, entry.Score, Detail: verdict.Detail, Reason: verdict.Reason));
        return false;
    }

    private void Retire(StagedEntry entry, DateTimeOffset now)
    {
        if (entry.IsBlock)
        {
            _queue.Revert(entry.Ip);
        }
        Events.Publish(new NodeEvent(NodeEventKind.Expired, now, entry.Ip, null, entry.Action, entry.Score,
            Detail: entry.Confirmed ? "confirmed" : "unconfirmed"));
        if (entry.Confirmed)
        {
            return;
        }
        var debited = new List<string>(entry.Contributors.Count);
        foreach (var peer in entry.Contributors)
        {
            if (!string.Equals(peer, _ownNodeId, StringComparison.Ordinal))
            {
                var change = _book.OnContradicted(peer, now);
                debited.Add(peer);
                Events.Publish(new NodeEvent(NodeEventKind.TrustChanged, now, entry.Ip, peer, TrustBefore: change.Before, TrustAfter: change.After, Detail: "contradicted"));
            }
        }
        if (Late?.Remember(entry.Ip, debited, entry.ExpiresAt < now ? entry.ExpiresAt : now) == true)
        {
            State?.LateChanged(entry.Ip);
        }
        if (_logger.IsEnabled(LogLevel.Information))
        {
            LogExpired(_logger, entry.Ip, entry.Action.ToWire(), entry.Contributors.Count);
        }
    }


    /// <summary>
    /// Late confirmation: <paramref name="detection"/> is of an address whose block expired unconfirmed inside the
    /// window, so the contributors debited then were right after all; each is credited as for a confirmation (the
    /// full block itself is the local detection's own).
    /// </summary>
    private void CreditLate(Detection detection, DateTimeOffset now)
    {
        if (Late is null)
        {
            return;
        }
        var contributors = Late.Take(detection.Ip, now);
        if (contributors.Count == 0)
        {
            // Never remembered, or its window had ended (the store prunes such rows by their time).
            return;
        }
        // Taken: the commit deletes its row, so a restart cannot credit the same contributors twice.
        State?.LateChanged(detection.Ip);
        Credit(detection.Ip, contributors, now, "confirmed late");
        LogLateConfirmed(_logger, detection.Ip, detection.Detector, contributors.Count);
    }

    [LoggerMessage(EventId = 3200, Level = LogLevel.Warning, Message = "refused to block {Ip}: {Reason} ({Detail})")]
    private static partial void LogBlockRefused(ILogger logger, IPAddress ip, RejectReason reason, string? detail);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "local detection of {Ip} by {Detector} ignored: {Reason} ({Detail})")]
    private static partial void LogLocalRefused(ILogger logger, IPAddress ip, string detector, RejectReason reason, string? detail);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Information, Message = "{Ip} detected here by {Detector} after its unconfirmed block expired: {Contributors} contributors credited back")]
    private static partial void LogLateConfirmed(ILogger logger, IPAddress ip, string detector, int contributors);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "{Ip} expired ({Action}, unconfirmed): {Contributors} contributors debited")]
    private static partial void LogExpired(ILogger logger, IPAddress ip, string action, int contributors);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "{Count} staged entries expired while the node was down: reverted and counted as contradictions")]
    private static partial void LogExpiredWhileDown(ILogger logger, int count);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "persisted entry skipped: ip `{Ip}` or action `{Action}` cannot be read")]
    private static partial void LogBadPersistedEntry(ILogger logger, string ip, string action);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "{Ip} still hits the firewall: counted as local confirmation")]
    private static partial void LogHitConfirmed(ILogger logger, IPAddress ip);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Debug, Message = "local detection of {Ip} is blocked but not broadcast (the state store logs its failure once a minute): {Error}")]
    private static partial void LogLocalNotBroadcast(ILogger logger, IPAddress ip, string error);

}

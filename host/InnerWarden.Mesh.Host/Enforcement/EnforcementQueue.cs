using System.Net;
using System.Threading.Channels;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Host.Text;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Enforcement;

/// <summary>
/// Hands blocks and reverts to the firewall as soon as they are decided, micro-batched: whatever arrives within
/// a few milliseconds becomes one <see cref="IFirewallEnforcer.ApplyAsync"/> and one
/// <see cref="IFirewallEnforcer.RevertAsync"/>. A failing backend is logged and never stops the node; the
/// next reconcile retries what failed. Callers must have checked that each address is safe to block.
/// </summary>
internal sealed partial class EnforcementQueue : IAsyncDisposable
{
    private readonly IFirewallEnforcer _enforcer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _batchWindow;
    private readonly Channel<Work> _channel = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    // Serialises every call into the backend: batches and reconciles never interleave.
    private readonly SemaphoreSlim _backend = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private volatile bool _needsReconcile;
    private int _healFailures;
    private long _lastHealFailureLog;

    public EnforcementQueue(IFirewallEnforcer enforcer, TimeProvider time, ILogger logger, TimeSpan? batchWindow = null)
    {
        _enforcer = enforcer;
        _time = time;
        _logger = logger;
        _batchWindow = batchWindow ?? TimeSpan.FromMilliseconds(3);
    }

    /// <summary>True after a failed batch, until a reconcile succeeds.</summary>
    public bool NeedsReconcile => _needsReconcile;

    /// <summary>Called when a batch failed, so the node heals the firewall at once instead of at the next poll.</summary>
    public Action? BatchFailed { get; set; }

    /// <summary>Called after every successful apply or revert batch: operation (<c>apply</c>/<c>revert</c>), addresses, elapsed.</summary>
    public Action<string, int, TimeSpan>? BatchCompleted { get; set; }

    public void Start() => _loop ??= Task.Run(() => DrainAsync(_stopping.Token));

    public void Block(IPAddress ip, TimeSpan ttl) => _channel.Writer.TryWrite(new Work(ip, ttl, null));

    /// <summary>
    /// <see cref="Block"/>, completing when the batch that carries it has been handed to the backend (a failed batch
    /// completes it too: the block is then re-applied by the next reconcile, which the failure requested).
    /// </summary>
    public Task BlockAndWait(IPAddress ip, TimeSpan ttl)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _channel.Writer.TryWrite(new Work(ip, ttl, done)) ? done.Task : Task.CompletedTask;
    }

    public void Revert(IPAddress ip) => _channel.Writer.TryWrite(new Work(ip, null, null));

    /// <summary>Completes when everything queued before the call has been handed to the backend.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite(new Work(null, null, done)))
        {
            return Task.CompletedTask;
        }
        Start();
        return done.Task;
    }

    /// <summary>Makes the backend hold exactly the desired blocks: reverts extras, (re)applies each with its remaining TTL.</summary>
    public async Task ReconcileAsync(IEnumerable<StagedEntry> desired, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var wanted = new Dictionary<IPAddress, BlockRequest>();
        foreach (var entry in desired)
        {
            var remaining = entry.ExpiresAt - now;
            if (entry.IsBlock && remaining > TimeSpan.Zero)
            {
                wanted[entry.Ip] = new BlockRequest(entry.Ip, remaining);
            }
        }
        await _backend.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applied = await _enforcer.ListAsync(cancellationToken).ConfigureAwait(false);
            var extras = new List<IPAddress>();
            foreach (var block in applied)
            {
                if (!wanted.ContainsKey(block.Ip))
                {
                    extras.Add(block.Ip);
                }
            }
            if (extras.Count > 0)
            {
                await _enforcer.RevertAsync(extras, cancellationToken).ConfigureAwait(false);
            }
            if (wanted.Count > 0)
            {
                await _enforcer.ApplyAsync([.. wanted.Values], cancellationToken).ConfigureAwait(false);
            }
            _needsReconcile = false;
            // A reconcile that changed nothing (every start of a node with an empty pool) is no news for the journal.
            LogReconciled(_logger, wanted.Count + extras.Count > 0 ? LogLevel.Information : LogLevel.Debug, _enforcer.Name, wanted.Count, extras.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _needsReconcile = true;
            LogReconcileFailed(_logger, _enforcer.Name, ex.Message, ex);
        }
        finally
        {
            _backend.Release();
        }
    }

    /// <summary>
    /// Self-healing, at every poll: re-creates what the backend needs when it went missing (someone ran
    /// <c>nft flush ruleset</c>, deleted the table, a set or the drop rule, <c>ipset destroy</c>, <c>iptables -F</c>;
    /// <see cref="IFirewallEnforcer.InitializeAsync"/> is idempotent and quiet when nothing was missing) and re-applies
    /// every desired block the backend no longer holds, logged once with the count. Returns what the backend holds
    /// afterwards (for hit counters), null when healing failed (logged at most once a minute, retried next poll).
    /// </summary>
    public async Task<IReadOnlyList<AppliedBlock>?> HealAsync(IReadOnlyList<StagedEntry> desired, CancellationToken cancellationToken)
    {
        await _backend.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _enforcer.InitializeAsync(cancellationToken).ConfigureAwait(false);
            var applied = await _enforcer.ListAsync(cancellationToken).ConfigureAwait(false);
            var held = new HashSet<IPAddress>();
            foreach (var block in applied)
            {
                held.Add(block.Ip);
            }
            var now = _time.GetUtcNow();
            var missing = new List<BlockRequest>();
            foreach (var entry in desired)
            {
                var remaining = entry.ExpiresAt - now;
                if (entry.IsBlock && remaining > TimeSpan.Zero && !held.Contains(entry.Ip))
                {
                    missing.Add(new BlockRequest(entry.Ip, remaining));
                }
            }
            if (missing.Count == 0)
            {
                _healFailures = 0;
                return applied;
            }
            await _enforcer.ApplyAsync(missing, cancellationToken).ConfigureAwait(false);
            LogHealed(_logger, _enforcer.Name, missing.Count);
            _healFailures = 0;
            return await _enforcer.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _needsReconcile = true;
            if (_healFailures++ == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(_lastHealFailureLog) >= TimeSpan.FromMinutes(1))
            {
                LogHealFailed(_logger, _enforcer.Name, _healFailures, ex.Message, ex);
                _lastHealFailureLog = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            return null;
        }
        finally
        {
            _backend.Release();
        }
    }

    /// <summary>What the backend holds now; null (logged) when listing fails.</summary>
    public async Task<IReadOnlyList<AppliedBlock>?> ListAsync(CancellationToken cancellationToken)
    {
        await _backend.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _enforcer.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogListFailed(_logger, _enforcer.Name, ex.Message, ex);
            return null;
        }
        finally
        {
            _backend.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _backend.Dispose();
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        var latest = new Dictionary<IPAddress, TimeSpan?>();
        var waiters = new List<TaskCompletionSource>();
        long lastBatchEnd = 0;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // An idle queue applies at once (the first block of an attack is latency-critical); while decisions keep
            // coming (a batch ended within the window), wait the window so they gather into one transaction.
            // Wall-clock, not node time: the window only gathers work that arrives together.
            if (lastBatchEnd != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(lastBatchEnd) < _batchWindow)
            {
                await Task.Delay(_batchWindow, cancellationToken).ConfigureAwait(false);
            }
            while (reader.TryRead(out var work))
            {
                if (work.Done is not null)
                {
                    waiters.Add(work.Done);
                }
                if (work.Ip is not null)
                {
                    // The last decision for an address wins (a block then a revert in one batch is a revert).
                    latest[work.Ip] = work.Ttl;
                }
            }
            await ApplyBatchAsync(latest, cancellationToken).ConfigureAwait(false);
            lastBatchEnd = System.Diagnostics.Stopwatch.GetTimestamp();
            latest.Clear();
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult();
            }
            waiters.Clear();
        }
    }

    private async Task ApplyBatchAsync(Dictionary<IPAddress, TimeSpan?> latest, CancellationToken cancellationToken)
    {
        if (latest.Count == 0)
        {
            return;
        }
        var blocks = new List<BlockRequest>();
        var reverts = new List<IPAddress>();
        foreach (var (ip, ttl) in latest)
        {
            if (ttl is { } t)
            {
                blocks.Add(new BlockRequest(ip, t));
            }
            else
            {
                reverts.Add(ip);
            }
        }
        await _backend.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (reverts.Count > 0)
            {
                var started = _time.GetTimestamp();
                await _enforcer.RevertAsync(reverts, cancellationToken).ConfigureAwait(false);
                BatchCompleted?.Invoke("revert", reverts.Count, _time.GetElapsedTime(started));
                LogReverted(_logger, _enforcer.Name, Counted.Of(reverts.Count, "block", "blocks"));
            }
            if (blocks.Count > 0)
            {
                var started = _time.GetTimestamp();
                await _enforcer.ApplyAsync(blocks, cancellationToken).ConfigureAwait(false);
                BatchCompleted?.Invoke("apply", blocks.Count, _time.GetElapsedTime(started));
                LogApplied(_logger, _enforcer.Name, Counted.Of(blocks.Count, "block", "blocks"));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _needsReconcile = true;
            LogBatchFailed(_logger, _enforcer.Name, blocks.Count, reverts.Count, ex.Message, ex);
            BatchFailed?.Invoke();
        }
        finally
        {
            _backend.Release();
        }
    }

    private sealed record Work(IPAddress? Ip, TimeSpan? Ttl, TaskCompletionSource? Done);

    // Information: one line per firewall transaction (not per address) says when blocks became active.
    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "{Enforcer}: applied {Blocks}")]
    private static partial void LogApplied(ILogger logger, string enforcer, string blocks);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "{Enforcer}: reverted {Blocks}")]
    private static partial void LogReverted(ILogger logger, string enforcer, string blocks);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "{Enforcer}: batch of {Blocks} blocks and {Reverts} reverts failed, retried at the next reconcile: {Error}")]
    private static partial void LogBatchFailed(ILogger logger, string enforcer, int blocks, int reverts, string error, Exception exception);

    [LoggerMessage(EventId = 3303, Message = "{Enforcer}: reconciled, {Blocks} blocks applied, {Extras} stale blocks removed")]
    private static partial void LogReconciled(ILogger logger, LogLevel level, string enforcer, int blocks, int extras);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Warning, Message = "{Enforcer}: {Count} active blocks were missing from the firewall (removed outside the agent): its table, sets and rules are re-created and the blocks re-applied")]
    private static partial void LogHealed(ILogger logger, string enforcer, int count);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Error, Message = "{Enforcer}: checking and repairing the firewall failed ({Failures} polls in a row), retried every poll: {Error}")]
    private static partial void LogHealFailed(ILogger logger, string enforcer, int failures, string error, Exception exception);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Error, Message = "{Enforcer}: listing blocks failed: {Error}")]
    private static partial void LogListFailed(ILogger logger, string enforcer, string error, Exception exception);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Error, Message = "{Enforcer}: reconcile failed, retried at the next poll: {Error}")]
    private static partial void LogReconcileFailed(ILogger logger, string enforcer, string error, Exception exception);
}

using System.Collections.Concurrent;
using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.LogOnly;

/// <summary>
/// Keeps the blocks it is given in memory, with their expiry, and logs every change. Useful before a real
/// firewall is configured and wherever none exists: the node still stages, scores and reports.
/// </summary>
internal sealed partial class LogOnlyEnforcer(TimeProvider time, ILogger<LogOnlyEnforcer> logger) : IFirewallEnforcer
{
    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _blocks = new();

    private int _announced;

    public string Name => "log-only";

    public bool HasHitCounters => false;

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        // Called again at every poll (the host's self-healing check); there is nothing to heal, say it once.
        if (Interlocked.Exchange(ref _announced, 1) == 0)
        {
            LogReady(logger);
        }
        return Task.CompletedTask;
    }

    public Task ApplyAsync(IReadOnlyList<BlockRequest> blocks, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var block in blocks)
        {
            _blocks[block.Ip] = now + block.Ttl;
            LogWouldBlock(logger, block.Ip, (long)block.Ttl.TotalSeconds);
        }
        return Task.CompletedTask;
    }

    public Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        foreach (var ip in addresses)
        {
            if (_blocks.TryRemove(ip, out _))
            {
                LogWouldUnblock(logger, ip);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var list = new List<AppliedBlock>(_blocks.Count);
        foreach (var (ip, expires) in _blocks)
        {
            // Mirror what a kernel set timeout does: an expired element is gone.
            if (expires <= now)
            {
                _blocks.TryRemove(ip, out _);
                continue;
            }
            list.Add(new AppliedBlock(ip, expires - now, null));
        }
        return Task.FromResult<IReadOnlyList<AppliedBlock>>(list);
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = "log-only enforcer active: blocks are recorded and logged, no firewall is changed")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "log-only: would block {Ip} for {TtlSecs}s")]
    private static partial void LogWouldBlock(ILogger logger, IPAddress ip, long ttlSecs);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "log-only: would unblock {Ip}")]
    private static partial void LogWouldUnblock(ILogger logger, IPAddress ip);
}

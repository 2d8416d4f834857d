using System.Collections.Concurrent;
using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using Microsoft.Extensions.Logging;

namespace MyPlugin;

/// <summary>
/// Keeps blocks in memory with their expiry and logs them: the shape of a real backend without a firewall.
/// Replace the dictionary with your firewall's API: apply and revert whole batches (one transaction where the
/// backend has them), refresh the timeout of an address applied again, and list what the firewall holds so
/// the host can reconcile after a restart. Throw <see cref="EnforcerException"/> naming what failed.
/// </summary>
internal sealed partial class MemoryEnforcer(TimeProvider time, ILogger<MemoryEnforcer> logger) : IFirewallEnforcer
{
    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _blocks = new();

    public string Name => "myplugin";

    public bool HasHitCounters => false;

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ApplyAsync(IReadOnlyList<BlockRequest> blocks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var now = time.GetUtcNow();
        foreach (var block in blocks)
        {
            _blocks[block.Ip] = now + block.Ttl;
        }
        LogApplied(logger, blocks.Count);
        return Task.CompletedTask;
    }

    public Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (var ip in addresses)
        {
            _blocks.TryRemove(ip, out _);
        }
        LogReverted(logger, addresses.Count);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        IReadOnlyList<AppliedBlock> list = [.. _blocks.Where(b => b.Value > now).Select(b => new AppliedBlock(b.Key, b.Value - now, null))];
        return Task.FromResult(list);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "myplugin: applied {Count} blocks")]
    private static partial void LogApplied(ILogger logger, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "myplugin: reverted {Count} blocks")]
    private static partial void LogReverted(ILogger logger, int count);
}

using System.Collections.Concurrent;
using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>An in-memory firewall that records every call, with optional hit counters and failures.</summary>
internal sealed class RecordingEnforcer : IFirewallEnforcer
{
    private readonly ConcurrentDictionary<IPAddress, TimeSpan> _blocks = new();
    private readonly ConcurrentDictionary<IPAddress, long> _hits = new();

    public string Name => "recording";

    public bool HasHitCounters { get; set; }

    /// <summary>When set, every Apply/Revert throws an <see cref="EnforcerException"/>.</summary>
    public bool Fail { get; set; }

    public int InitializeCalls { get; private set; }

    public ConcurrentQueue<IReadOnlyList<BlockRequest>> ApplyCalls { get; } = new();

    public ConcurrentQueue<IReadOnlyList<IPAddress>> RevertCalls { get; } = new();

    /// <summary>Every address ever handed to ApplyAsync.</summary>
    public IEnumerable<IPAddress> EverApplied => ApplyCalls.SelectMany(c => c.Select(b => b.Ip));

    public IReadOnlyDictionary<IPAddress, TimeSpan> Blocks => _blocks;

    public void SetHits(IPAddress ip, long packets) => _hits[ip] = packets;

    /// <summary>Pretends a block is in the firewall already (left from an earlier run).</summary>
    public void Preload(IPAddress ip, TimeSpan ttl) => _blocks[ip] = ttl;

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        InitializeCalls++;
        return Task.CompletedTask;
    }

    public Task ApplyAsync(IReadOnlyList<BlockRequest> blocks, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new EnforcerException("nft -f -: Error: Could not process rule: No such file or directory");
        }
        ApplyCalls.Enqueue([.. blocks]);
        foreach (var block in blocks)
        {
            _blocks[block.Ip] = block.Ttl;
        }
        return Task.CompletedTask;
    }

    public Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new EnforcerException("nft delete element: Error: Could not process rule");
        }
        RevertCalls.Enqueue([.. addresses]);
        foreach (var ip in addresses)
        {
            _blocks.TryRemove(ip, out _);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<AppliedBlock>();
        foreach (var (ip, ttl) in _blocks)
        {
            list.Add(new AppliedBlock(ip, ttl, HasHitCounters ? _hits.GetValueOrDefault(ip) : null));
        }
        return Task.FromResult<IReadOnlyList<AppliedBlock>>(list);
    }
}

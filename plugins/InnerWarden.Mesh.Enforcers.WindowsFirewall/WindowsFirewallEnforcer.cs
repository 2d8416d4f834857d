using System.Collections.Concurrent;
using System.Net;
using System.Runtime.InteropServices;
using InnerWarden.Mesh.Contracts.Enforcement;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>
/// Blocks through Windows Firewall inbound rules of up to 1000 addresses each. The firewall has no element
/// timeouts, so expiry is the agent's: it reverts expired blocks; this class only remembers the expiry to report it.
/// </summary>
internal sealed partial class WindowsFirewallEnforcer(IWindowsFirewallApi api, TimeProvider time, ILogger<WindowsFirewallEnforcer> logger) : IFirewallEnforcer, IDisposable
{
    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _expiry = new();
    // Rules are read, planned and written as one step; two batches at once would plan against stale rules.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Name => "windows-firewall";

    public bool HasHitCounters => false;

    public Task InitializeAsync(CancellationToken cancellationToken) =>
        ChangeAsync([], [], cancellationToken);

    public async Task ApplyAsync(IReadOnlyList<BlockRequest> blocks, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var addresses = new List<IPAddress>(blocks.Count);
        foreach (var block in blocks)
        {
            var ip = Normalize(block.Ip);
            addresses.Add(ip);
            _expiry[ip] = now + block.Ttl;
        }
        await ChangeAsync(addresses, [], cancellationToken).ConfigureAwait(false);
    }

    public async Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        var normalized = addresses.Select(Normalize).ToList();
        await ChangeAsync([], normalized, cancellationToken).ConfigureAwait(false);
        foreach (var ip in normalized)
        {
            _expiry.TryRemove(ip, out _);
        }
    }

    public async Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var rules = Call(() => api.GetRules(WindowsFirewallRulePlanner.Prefix), "read rules");
            // After a restart the agent's persisted state knows the expiry; this instance does not (Remaining null).
            return rules.SelectMany(r => r.Addresses).Distinct()
                .Select(ip => new AppliedBlock(ip, _expiry.TryGetValue(ip, out var at) ? (at > now ? at - now : TimeSpan.Zero) : null, null))
                .ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Disposed with the node's service provider, after the last batch.</summary>
    public void Dispose() => _gate.Dispose();

    private async Task ChangeAsync(List<IPAddress> apply, List<IPAddress> revert, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Call(() => api.GetRules(WindowsFirewallRulePlanner.Prefix), "read rules");
            var plan = WindowsFirewallRulePlanner.Plan(current, apply, revert);
            // Writes before deletes: a block moving between rules is never absent in between.
            foreach (var rule in plan.Set)
            {
                Call(() => { api.SetRule(rule.Name, rule.Addresses); return 0; }, $"write rule '{rule.Name}'");
            }
            foreach (var name in plan.Delete)
            {
                Call(() => { api.DeleteRule(name); return 0; }, $"delete rule '{name}'");
            }
            if (!plan.IsEmpty)
            {
                LogChanged(logger, apply.Count, revert.Count, plan.Set.Count, plan.Delete.Count);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static T Call<T>(Func<T> action, string what)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is COMException or UnauthorizedAccessException or InvalidCastException or Microsoft.CSharp.RuntimeBinder.RuntimeBinderException)
        {
            throw new EnforcerException($"Windows Firewall (INetFwPolicy2): could not {what}: {e.Message}", e);
        }
    }

    private static IPAddress Normalize(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    [LoggerMessage(EventId = 4300, Level = LogLevel.Debug, Message = "windows-firewall: applied {Blocked} blocks and {Reverted} reverts by writing {Written} rules and deleting {Deleted}")]
    private static partial void LogChanged(ILogger logger, int blocked, int reverted, int written, int deleted);
}

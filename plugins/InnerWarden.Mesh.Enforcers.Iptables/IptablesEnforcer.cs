using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.Iptables;

/// <summary>
/// Drops traffic from blocked addresses with two ipset sets (kernel-side timeouts) and one iptables/ip6tables rule
/// per family that references them. Batches go through one `ipset restore -exist` each.
/// </summary>
internal sealed partial class IptablesEnforcer(ICommandRunner runner, ILogger<IptablesEnforcer> logger) : IFirewallEnforcer
{
    private const string Ipset = "ipset";
    private static readonly string[] RestoreArgs = ["restore", "-exist"];

    private bool _counters = true;
    private bool _initialized;

    public string Name => "iptables";

    public bool HasHitCounters => _counters;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // The host calls this again at every poll to heal what was removed outside the agent (`ipset destroy`,
        // `iptables -F`): after the first call the counter choice is known, and only a repair is logged.
        bool first = !_initialized;
        if (first || _counters)
        {
            var withCounters = await runner.RunAsync(Ipset, RestoreArgs, IpsetScript.Create(counters: true), cancellationToken).ConfigureAwait(false);
            _counters = withCounters.ExitCode == 0;
            if (!_counters)
            {
                // Kernels without counter support, or sets an older run created without counters: blocking still works.
                await runner.RunCheckedAsync(Ipset, RestoreArgs, IpsetScript.Create(counters: false), cancellationToken).ConfigureAwait(false);
                LogNoCounters(logger, withCounters.Stderr.Trim());
            }
        }
        else
        {
            await runner.RunCheckedAsync(Ipset, RestoreArgs, IpsetScript.Create(counters: false), cancellationToken).ConfigureAwait(false);
        }
        var added = await EnsureRuleAsync("iptables", IpsetScript.SetV4, cancellationToken).ConfigureAwait(false);
        added |= await EnsureRuleAsync("ip6tables", IpsetScript.SetV6, cancellationToken).ConfigureAwait(false);
        if (first || added)
        {
            // At start the host's summary line says the enforcer is up; a repair (rules re-added later) is news.
            LogReady(logger, first ? LogLevel.Debug : LogLevel.Information, _counters, added);
        }
        _initialized = true;
    }

    public async Task ApplyAsync(IReadOnlyList<BlockRequest> blocks, CancellationToken cancellationToken)
    {
        var distinct = EnforcerSettings.Distinct(blocks.Select(b => (b.Ip, b.Ttl)));
        if (distinct.Count == 0)
        {
            return;
        }
        await runner.RunCheckedAsync(Ipset, RestoreArgs, IpsetScript.Apply(distinct), cancellationToken).ConfigureAwait(false);
        LogApplied(logger, distinct.Count);
    }

    public async Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        var distinct = EnforcerSettings.Distinct(addresses);
        if (distinct.Count == 0)
        {
            return;
        }
        await runner.RunCheckedAsync(Ipset, RestoreArgs, IpsetScript.Revert(distinct), cancellationToken).ConfigureAwait(false);
        LogReverted(logger, distinct.Count);
    }

    public async Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken)
    {
        var all = new List<AppliedBlock>();
        foreach (var set in new[] { IpsetScript.SetV4, IpsetScript.SetV6 })
        {
            var result = await runner.RunCheckedAsync(Ipset, ["save", set], null, cancellationToken).ConfigureAwait(false);
            all.AddRange(IpsetScript.ParseSave(result.Stdout, set));
        }
        return all;
    }

    /// <summary>Inserts the drop rule at the top of INPUT unless `-C` finds it: restarts never stack duplicates.</summary>
    private async Task<bool> EnsureRuleAsync(string tool, string set, CancellationToken cancellationToken)
    {
        // -w waits for the xtables lock instead of failing when another tool (fail2ban, docker) holds it.
        string[] rule = ["-m", "set", "--match-set", set, "src", "-j", "DROP"];
        string[] check = ["-w", "5", "-C", "INPUT", .. rule];
        var present = await runner.RunAsync(tool, check, null, cancellationToken).ConfigureAwait(false);
        if (present.ExitCode == 0)
        {
            return false;
        }
        // Exit 1 is "no such rule"; anything else (2 bad arguments, 4 no privilege) is a real failure.
        if (present.ExitCode != 1)
        {
            throw CommandText.Failure(tool, check, present);
        }
        await runner.RunCheckedAsync(tool, ["-w", "5", "-I", "INPUT", "1", .. rule], null, cancellationToken).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(EventId = 4200, Message = "iptables: ipsets ready (per-address counters: {Counters}, drop rules added: {RulesAdded})")]
    private static partial void LogReady(ILogger logger, LogLevel level, bool counters, bool rulesAdded);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "iptables: ipsets have no per-address counters, so blocked addresses that keep knocking cannot count as confirmation (ipset said: {Reason})")]
    private static partial void LogNoCounters(ILogger logger, string reason);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "iptables: blocked {Count} addresses")]
    private static partial void LogApplied(ILogger logger, int count);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Debug, Message = "iptables: unblocked {Count} addresses")]
    private static partial void LogReverted(ILogger logger, int count);
}

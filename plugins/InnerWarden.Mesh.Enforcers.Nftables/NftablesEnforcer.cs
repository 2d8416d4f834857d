using System.Net;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.Nftables;

/// <summary>
/// Drops traffic from blocked addresses with an nftables table of our own: two timeout sets (the kernel removes an
/// element when its TTL ends, even if the agent is dead) and an input-hook chain that drops their members. Every
/// change is one `nft -f -` transaction per batch (through libnftables in process where it loads, see
/// <see cref="Native.NftRunner"/>), never one command per address.
/// </summary>
internal sealed partial class NftablesEnforcer(NftablesOptions options, ICommandRunner runner, ILogger<NftablesEnforcer> logger, TimeProvider? time = null)
    : IFirewallEnforcer, IDisposable
{
    private const string Nft = "nft";
    private static readonly string[] ScriptArgs = ["-f", "-"];

    // An element whose known expiry is this close (or this recently past) may or may not still be in the kernel.
    private static readonly TimeSpan Uncertain = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // What this enforcer put in the sets and when the kernel will drop it (MaxValue: no timeout). Lets a batch use a
    // plain `add` for addresses that are surely absent and a plain `delete` for those surely present, instead of
    // the add/delete/add refresh and add-then-delete guard, which cost 2-3x. Re-synced from every listing.
    private readonly Dictionary<IPAddress, DateTimeOffset> _present = new();
    private readonly Lock _presentGate = new();
    // Until a listing has shown what a previous run left in the sets, every address may be present.
    private bool _synced;

    private bool _counters = true;
    private bool _initialized;

    public string Name => "nftables";

    public bool HasHitCounters => _counters;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var table = options.Table;
        // The host calls this again at every poll to heal what was removed outside the agent: after the first call the
        // counter choice is known, and only a repair is logged.
        bool first = !_initialized;
        if (first || _counters)
        {
            var withCounters = await runner.RunAsync(Nft, ScriptArgs, NftScript.Skeleton(table, counters: true), cancellationToken).ConfigureAwait(false);
            if (withCounters.ExitCode == 0)
            {
                _counters = true;
            }
            else
            {
                // Older kernels refuse per-element counters, and a set an older run created without them cannot be
                // redefined ("File exists"): either way, blocking still works without hit counts.
                await runner.RunCheckedAsync(Nft, ScriptArgs, NftScript.Skeleton(table, counters: false), cancellationToken).ConfigureAwait(false);
                _counters = false;
                LogNoCounters(logger, table, withCounters.Stderr.Trim());
            }
        }
        else
        {
            await runner.RunCheckedAsync(Nft, ScriptArgs, NftScript.Skeleton(table, counters: false), cancellationToken).ConfigureAwait(false);
        }

        string[] listChain = ["-j", "list", "chain", "inet", table, NftScript.Chain];
        var chain = await runner.RunCheckedAsync(Nft, listChain, null, cancellationToken).ConfigureAwait(false);
        var rules = "";
        try
        {
            if (!NftJson.HasDropRule(chain.Stdout, "ip", NftScript.SetV4))
            {
                rules += NftScript.DropRule(table, v6: false);
            }
            if (!NftJson.HasDropRule(chain.Stdout, "ip6", NftScript.SetV6))
            {
                rules += NftScript.DropRule(table, v6: true);
            }
        }
        catch (JsonException e)
        {
            throw new EnforcerException($"`{CommandText.Format(Nft, listChain)}` printed output that is not nft JSON: {e.Message}", e);
        }
        if (rules.Length > 0)
        {
            await runner.RunCheckedAsync(Nft, ScriptArgs, rules, cancellationToken).ConfigureAwait(false);
        }
        if (first || rules.Length > 0)
        {
            // At start the host's summary line says the enforcer is up; a repair (rules re-added later) is news.
            LogReady(logger, first ? LogLevel.Debug : LogLevel.Information, table, _counters, rules.Length > 0);
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
        var now = _time.GetUtcNow();
        var refresh = new List<(IPAddress Ip, long TimeoutSecs)>();
        var fresh = new List<(IPAddress Ip, long TimeoutSecs)>();
        lock (_presentGate)
        {
            foreach (var block in distinct)
            {
                // Surely absent: never added, or known to have timed out well before now.
                bool absent = _synced && (!_present.TryGetValue(block.Ip, out var expires) || expires < now - Uncertain);
                (absent ? fresh : refresh).Add(block);
            }
        }
        await runner.RunCheckedAsync(Nft, ScriptArgs, NftScript.Apply(options.Table, refresh, fresh), cancellationToken).ConfigureAwait(false);
        lock (_presentGate)
        {
            foreach (var (ip, timeoutSecs) in distinct)
            {
                _present[ip] = now + TimeSpan.FromSeconds(timeoutSecs);
            }
        }
        LogApplied(logger, distinct.Count, options.Table);
    }

    public async Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
    {
        var distinct = EnforcerSettings.Distinct(addresses);
        if (distinct.Count == 0)
        {
            return;
        }
        var now = _time.GetUtcNow();
        var present = new List<IPAddress>();
        var unsure = new List<IPAddress>();
        lock (_presentGate)
        {
            foreach (var ip in distinct)
            {
                // Surely present: added by us and not due to time out for a while, so a plain delete cannot fail.
                bool surelyPresent = _present.TryGetValue(ip, out var expires) && expires > now + Uncertain;
                (surelyPresent ? present : unsure).Add(ip);
            }
        }
        await runner.RunCheckedAsync(Nft, ScriptArgs, NftScript.Revert(options.Table, present, unsure), cancellationToken).ConfigureAwait(false);
        lock (_presentGate)
        {
            foreach (var ip in distinct)
            {
                _present.Remove(ip);
            }
        }
        LogReverted(logger, distinct.Count, options.Table);
    }

    public async Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken)
    {
        var all = new List<AppliedBlock>();
        foreach (var set in new[] { NftScript.SetV4, NftScript.SetV6 })
        {
            string[] args = ["-j", "list", "set", "inet", options.Table, set];
            var result = await runner.RunCheckedAsync(Nft, args, null, cancellationToken).ConfigureAwait(false);
            try
            {
                all.AddRange(NftJson.ParseSetElements(result.Stdout));
            }
            catch (JsonException e)
            {
                throw new EnforcerException($"`{CommandText.Format(Nft, args)}` printed output that is not nft JSON: {e.Message}", e);
            }
        }
        var now = _time.GetUtcNow();
        lock (_presentGate)
        {
            _present.Clear();
            _synced = true;
            foreach (var block in all)
            {
                _present[block.Ip] = block.Remaining is { } remaining ? now + remaining : DateTimeOffset.MaxValue;
            }
        }
        return all;
    }

    /// <summary>Frees the runner's libnftables context and thread, when it has them.</summary>
    public void Dispose() => (runner as IDisposable)?.Dispose();

    [LoggerMessage(EventId = 4100, Message = "nftables: table inet {Table} ready (per-address counters: {Counters}, drop rules added: {RulesAdded})")]
    private static partial void LogReady(ILogger logger, LogLevel level, string table, bool counters, bool rulesAdded);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "nftables: sets in table inet {Table} have no per-address counters, so blocked addresses that keep knocking cannot count as confirmation (nft said: {Reason})")]
    private static partial void LogNoCounters(ILogger logger, string table, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "nftables: blocked {Count} addresses in table inet {Table}")]
    private static partial void LogApplied(ILogger logger, int count, string table);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "nftables: unblocked {Count} addresses in table inet {Table}")]
    private static partial void LogReverted(ILogger logger, int count, string table);
}

using System.Globalization;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Text;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden mesh status [--json]</c>: what the node's state database holds, read live and read-only without contacting the agent.
/// Exit 0, or 1 when the database is unreadable (a data directory without one is an empty state).
/// </summary>
/// <remarks>
/// <c>--json</c> prints one object with these stable fields:
/// <code>
/// initialized        bool      true when the data directory holds a node identity (the agent or `mesh identity` has run)
/// node_id            string?   this node's public key, 64 hex; null without an identity file
/// data_directory     string    the data directory read
/// state_saved_at     string?   RFC 3339 time of the agent's last commit to mesh.db; null when never
/// enforcer           string?   firewall backend recorded by the agent (nftables, iptables, log-only, ...)
/// peers_configured   int       peers listed in config
/// peers_known        int       configured peers plus keys resolved by discovery
/// peers_reachable    int       peers whose last contact by the agent succeeded (state file; 0 before the first)
/// reputations        int       signing identities the node tracks
/// watchlisted        int       staged entries by action
/// blocked_short_ttl  int
/// blocked_full       int
/// remembered         int       discarded signals remembered for later credit
/// quarantined_peers  string[]  node ids quarantined right now
/// </code>
/// </remarks>
internal static class StatusCommandHandler
{
    public static int Run(string dataDirectory, NodeSettings settings, bool json, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(stdout);
        var state = CliStateReader.Read(dataDirectory, stderr);
        if (state is null)
        {
            return 1;
        }
        var now = time.GetUtcNow();
        var nodeId = CliStateReader.ReadNodeId(dataDirectory);
        var quarantined = state.Reputations.Where(r => r.IsQuarantined(now)).Select(r => r.NodeId).Order(StringComparer.Ordinal).ToList();
        int discovered = state.Peers.Count(p => p.Source == "discovered" && !settings.Peers.Any(c => c.Endpoint.ToString() == p.Endpoint));
        var report = new StatusReport(
            nodeId is not null,
            nodeId,
            dataDirectory,
            state.SavedAt == DateTimeOffset.UnixEpoch ? null : state.SavedAt,
            state.Enforcer,
            settings.Peers.Count,
            settings.Peers.Count + discovered,
            state.Peers.Count(p => p.Reachable == true),
            state.Reputations.Count,
            state.Staged.Count(e => e.Action == "watchlisted"),
            state.Staged.Count(e => e.Action == "blocked_short_ttl"),
            state.Staged.Count(e => e.Action == "blocked_full"),
            state.Remembered.Count,
            quarantined);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(report, CliJsonContext.Cli.StatusReport));
            return 0;
        }
        stdout.WriteLine($"mesh:          {(report.Initialized ? "initialised (identity present)" : "not initialised (no identity yet)")}");
        stdout.WriteLine($"node id:       {report.NodeId ?? "-"}");
        stdout.WriteLine($"data dir:      {report.DataDirectory}");
        stdout.WriteLine($"state saved:   {report.StateSavedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never"}");
        stdout.WriteLine($"enforcer:      {(report.Enforcer is { } enforcer ? $"{enforcer} ({Counted.Of(report.BlockedFull + report.BlockedShortTtl, "address", "addresses")} blocked)" : "-")}");
        stdout.WriteLine($"peers:         {report.PeersConfigured} configured, {report.PeersKnown} known, {report.PeersReachable} reachable");
        stdout.WriteLine($"reputations:   {report.Reputations}");
        stdout.WriteLine($"staged:        {report.BlockedFull} blocked_full, {report.BlockedShortTtl} blocked_short_ttl, {report.Watchlisted} watchlisted");
        stdout.WriteLine($"remembered:    {report.Remembered}");
        stdout.WriteLine($"quarantined:   {(quarantined.Count == 0 ? "none" : string.Join(", ", quarantined))}");
        return 0;
    }
}

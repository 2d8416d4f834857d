using System.Globalization;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Persistence;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden mesh peers [--json]</c>: configured peers, keys resolved by discovery, and every other
/// signing identity the node tracks, with their reputation. Exit 0, or 1 when the state database is unreadable.
/// </summary>
/// <remarks>
/// <c>--json</c> prints an array of objects with these stable fields:
/// <code>
/// label              string?  operator's name (config)
/// endpoint           string?  base URL; null for an identity only known from its signals
/// node_id            string?  public key, 64 hex; null while discovery has not resolved it
/// source             string   config | discovered | identity
/// vouched            bool     the operator vouched for the key (initial trust)
/// trust              number?  current trust in [0, 1]; null when no signal was ever seen
/// confirmed          int      signals confirmed locally
/// contradicted       int      signals that expired unconfirmed
/// signals_received   int      accepted signals
/// quarantined        bool     quarantined right now
/// quarantined_until  string?  RFC 3339 end of the quarantine
/// last_seen          string?  RFC 3339 last signal
/// reachable          bool?    the agent's last attempt to reach the peer succeeded; null when never tried
/// last_contact       string?  RFC 3339 time the peer last answered the agent
/// circuit            string?  closed | open | half-open (the agent's circuit breaker for the peer)
/// pending_deliveries int?     signals the agent still has to deliver to the peer
/// problem            string?  why the agent's last attempt to reach the peer failed (connection refused, timeout after
///                             3000 ms, TLS handshake failed: peer speaks plain HTTP, DNS: ...); null while it answers
/// </code>
/// </remarks>
internal static class PeersCommandHandler
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
        var reputations = new Dictionary<string, PeerReputation>(StringComparer.Ordinal);
        foreach (var rep in state.Reputations)
        {
            reputations[rep.NodeId] = rep;
        }
        var rows = new List<PeerRow>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var peer in settings.Peers)
        {
            var endpoint = peer.Endpoint.ToString();
            var key = peer.PublicKey?.ToLowerInvariant()
                ?? state.Peers.FirstOrDefault(p => p.Source == "discovered" && p.Endpoint == endpoint)?.PublicKey;
            rows.Add(WithLink(Row(peer.Label, endpoint, key, "config", reputations, now), state.Peers.FirstOrDefault(p => p.Endpoint == endpoint)));
            listed.Add(endpoint);
        }
        foreach (var peer in state.Peers)
        {
            if (peer.Source == "discovered" && listed.Add(peer.Endpoint))
            {
                rows.Add(WithLink(Row(peer.Label, peer.Endpoint, peer.PublicKey, "discovered", reputations, now), peer));
            }
        }
        var shown = new HashSet<string>(rows.Where(r => r.NodeId is not null).Select(r => r.NodeId!), StringComparer.Ordinal);
        foreach (var rep in state.Reputations.OrderByDescending(r => r.Trust).ThenBy(r => r.NodeId, StringComparer.Ordinal))
        {
            if (!shown.Contains(rep.NodeId))
            {
                rows.Add(Row(null, null, rep.NodeId, "identity", reputations, now));
            }
        }
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize<IReadOnlyList<PeerRow>>(rows, CliJsonContext.Cli.IReadOnlyListPeerRow));
            return 0;
        }
        var table = new TextTable("LABEL", "ENDPOINT", "NODE ID", "SOURCE", "TRUST", "CONF", "CONTRA", "QUARANTINED", "LAST SEEN", "REACHABLE", "LAST CONTACT", "PROBLEM");
        foreach (var row in rows)
        {
            table.Add(row.Label, row.Endpoint, row.NodeId is { } id ? id[..Math.Min(16, id.Length)] : "(unresolved)", row.Source,
                row.Trust?.ToString("F2", CultureInfo.InvariantCulture), row.Confirmed.ToString(CultureInfo.InvariantCulture),
                row.Contradicted.ToString(CultureInfo.InvariantCulture),
                row.Quarantined ? "until " + row.QuarantinedUntil!.Value.ToString("u", CultureInfo.InvariantCulture) : "no",
                row.LastSeen?.ToString("u", CultureInfo.InvariantCulture),
                row.Reachable switch { true => "yes", false => $"no ({row.Circuit})", null => "-" },
                row.LastContact?.ToString("u", CultureInfo.InvariantCulture),
                row.Problem);
        }
        table.WriteTo(stdout);
        return 0;
    }

    private static PeerRow WithLink(PeerRow row, PersistedPeer? persisted) => persisted is null ? row : row with
    {
        Reachable = persisted.Reachable,
        LastContact = persisted.LastContact,
        Circuit = persisted.Circuit,
        PendingDeliveries = persisted.PendingDeliveries,
        Problem = persisted.Problem,
    };

    private static PeerRow Row(string? label, string? endpoint, string? nodeId, string source, Dictionary<string, PeerReputation> reputations, DateTimeOffset now)
    {
        var rep = nodeId is not null ? reputations.GetValueOrDefault(nodeId) : null;
        return new PeerRow(label, endpoint, nodeId, source, rep?.Vouched ?? source == "config" && nodeId is not null, CliJsonContext.Round(rep?.Trust),
            rep?.Confirmed ?? 0, rep?.Contradicted ?? 0, rep?.SignalsReceived ?? 0, rep?.IsQuarantined(now) ?? false,
            rep?.IsQuarantined(now) == true ? rep.QuarantinedUntil : null, rep?.LastSeen);
    }
}

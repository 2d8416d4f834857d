using System.Net;
using System.Net.Sockets;
using System.Text;

namespace InnerWarden.Mesh.Enforcers.Nftables;

/// <summary>Builds the nft scripts the enforcer feeds to <c>nft -f -</c>; each script is one kernel transaction.</summary>
internal static class NftScript
{
    public const string SetV4 = "blocked_v4";
    public const string SetV6 = "blocked_v6";
    public const string Chain = "input";

    public static string SetFor(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork ? SetV4 : SetV6;

    /// <summary>
    /// Creates the table, both sets and the chain when missing. `add` leaves existing objects as they are, so this is
    /// idempotent; the rules are added separately, only when absent (`add rule` would append a duplicate).
    /// </summary>
    public static string Skeleton(string table, bool counters)
    {
        var counter = counters ? " counter;" : "";
        // Priority -10 runs before the usual filter chains at priority 0 (firewalld, ufw, iptables-nft): a dropped
        // address never reaches an accept rule there. An accept here would not stop later chains; a drop is final.
        return $$"""
            add table inet {{table}}
            add set inet {{table}} {{SetV4}} { type ipv4_addr; flags timeout;{{counter}} }
            add set inet {{table}} {{SetV6}} { type ipv6_addr; flags timeout;{{counter}} }
            add chain inet {{table}} {{Chain}} { type filter hook input priority -10; policy accept; }

            """;
    }

    public static string DropRule(string table, bool v6) =>
        v6 ? $"add rule inet {table} {Chain} ip6 saddr @{SetV6} drop\n" : $"add rule inet {table} {Chain} ip saddr @{SetV4} drop\n";

    /// <summary>
    /// Adds every element with its timeout, as one transaction. An element that may already exist keeps its old
    /// timeout on a plain `add`, so each of <paramref name="refresh"/> is added (so the delete cannot fail on a missing
    /// element), deleted and added again: nothing is ever unblocked in between. <paramref name="fresh"/> holds elements
    /// the enforcer knows are absent: a plain `add` is enough. nft 1.0.6 (Debian 12) has no `destroy element`.
    /// </summary>
    public static string Apply(string table, IReadOnlyList<(IPAddress Ip, long TimeoutSecs)> refresh, IReadOnlyList<(IPAddress Ip, long TimeoutSecs)> fresh)
    {
        var sb = new StringBuilder((refresh.Count * 3 + fresh.Count) * 48 + 128);
        foreach (var set in new[] { SetV4, SetV6 })
        {
            var again = refresh.Where(b => SetFor(b.Ip) == set).ToList();
            var added = fresh.Where(b => SetFor(b.Ip) == set).ToList();
            if (again.Count > 0)
            {
                AppendElements(sb, "add", table, set, again, withTimeout: true);
                AppendElements(sb, "delete", table, set, again, withTimeout: false);
            }
            added.AddRange(again);
            if (added.Count > 0)
            {
                AppendElements(sb, "add", table, set, added, withTimeout: true);
            }
        }
        return sb.ToString();
    }

    /// <summary>The same with every element treated as possibly present (the safe form).</summary>
    public static string Apply(string table, IReadOnlyList<(IPAddress Ip, long TimeoutSecs)> blocks) => Apply(table, blocks, []);

    /// <summary>
    /// Removes the elements as one transaction. <paramref name="unsure"/> ones are added first (without timeout,
    /// undone at once) so a missing element is no error; <paramref name="present"/> ones are known to be there.
    /// </summary>
    public static string Revert(string table, IReadOnlyList<IPAddress> present, IReadOnlyList<IPAddress> unsure)
    {
        var sb = new StringBuilder((present.Count + unsure.Count * 2) * 48 + 128);
        foreach (var set in new[] { SetV4, SetV6 })
        {
            var guarded = unsure.Where(ip => SetFor(ip) == set).Select(ip => (ip, 0L)).ToList();
            var removed = present.Where(ip => SetFor(ip) == set).Select(ip => (ip, 0L)).ToList();
            if (guarded.Count > 0)
            {
                AppendElements(sb, "add", table, set, guarded, withTimeout: false);
            }
            removed.AddRange(guarded);
            if (removed.Count > 0)
            {
                AppendElements(sb, "delete", table, set, removed, withTimeout: false);
            }
        }
        return sb.ToString();
    }

    /// <summary>The same with every element treated as possibly absent (the safe form).</summary>
    public static string Revert(string table, IReadOnlyList<IPAddress> addresses) => Revert(table, [], addresses);

    private static void AppendElements(StringBuilder sb, string verb, string table, string set, List<(IPAddress Ip, long TimeoutSecs)> elements, bool withTimeout)
    {
        sb.Append(verb).Append(" element inet ").Append(table).Append(' ').Append(set).Append(" { ");
        for (var i = 0; i < elements.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            sb.Append(elements[i].Ip);
            if (withTimeout)
            {
                sb.Append(" timeout ").Append(elements[i].TimeoutSecs).Append('s');
            }
        }
        sb.Append(" }\n");
    }
}

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
    /// Adds every element with its timeout. An element that already exists keeps its old timeout on a plain `add`,
    /// so each is added (so the delete cannot fail on a missing element), deleted and added again, all in one
    /// transaction: nothing is ever unblocked in between. nft 1.0.6 (Debian 12) has no `destroy element`.
    /// </summary>
    public static string Apply(string table, IReadOnlyList<(IPAddress Ip, long TimeoutSecs)> blocks)
    {
        var sb = new StringBuilder(blocks.Count * 64 + 128);
        foreach (var set in new[] { SetV4, SetV6 })
        {
            var elements = blocks.Where(b => SetFor(b.Ip) == set).ToList();
            if (elements.Count == 0)
            {
                continue;
            }
            AppendElements(sb, "add", table, set, elements, withTimeout: true);
            AppendElements(sb, "delete", table, set, elements, withTimeout: false);
            AppendElements(sb, "add", table, set, elements, withTimeout: true);
        }
        return sb.ToString();
    }

    /// <summary>Removes the elements; adding them first (without timeout, undone at once) makes a missing element no error.</summary>
    public static string Revert(string table, IReadOnlyList<IPAddress> addresses)
    {
        var sb = new StringBuilder(addresses.Count * 48 + 128);
        foreach (var set in new[] { SetV4, SetV6 })
        {
            var elements = addresses.Where(ip => SetFor(ip) == set).Select(ip => (ip, 0L)).ToList();
            if (elements.Count == 0)
            {
                continue;
            }
            AppendElements(sb, "add", table, set, elements, withTimeout: false);
            AppendElements(sb, "delete", table, set, elements, withTimeout: false);
        }
        return sb.ToString();
    }

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

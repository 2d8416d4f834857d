using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using InnerWarden.Mesh.Contracts.Enforcement;

namespace InnerWarden.Mesh.Enforcers.Iptables;

/// <summary>Builds the input of `ipset restore -exist` and reads `ipset save`.</summary>
internal static class IpsetScript
{
    public const string SetV4 = "innerwarden-mesh-v4";
    public const string SetV6 = "innerwarden-mesh-v6";

    public static string SetFor(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork ? SetV4 : SetV6;

    /// <summary>
    /// Creates both sets. `timeout 0` is the set's default for elements added without one (never: we always give
    /// one); it must be present for per-element timeouts to be allowed. With -exist an existing set is kept.
    /// </summary>
    public static string Create(bool counters)
    {
        var c = counters ? " counters" : "";
        return $"create {SetV4} hash:ip family inet timeout 0 maxelem 1000000{c}\n"
             + $"create {SetV6} hash:ip family inet6 timeout 0 maxelem 1000000{c}\n";
    }

    /// <summary>With -exist, adding an existing element replaces its timeout: a re-apply refreshes the TTL.</summary>
    public static string Apply(IReadOnlyList<(IPAddress Ip, long TimeoutSecs)> blocks)
    {
        var sb = new StringBuilder(blocks.Count * 48);
        foreach (var (ip, secs) in blocks)
        {
            sb.Append("add ").Append(SetFor(ip)).Append(' ').Append(ip).Append(" timeout ").Append(secs).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>With -exist, deleting an element that is not there is no error.</summary>
    public static string Revert(IReadOnlyList<IPAddress> addresses)
    {
        var sb = new StringBuilder(addresses.Count * 40);
        foreach (var ip in addresses)
        {
            sb.Append("del ").Append(SetFor(ip)).Append(' ').Append(ip).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Reads `ipset save &lt;set&gt;` lines like <c>add innerwarden-mesh-v4 1.2.3.4 timeout 99 packets 3 bytes 180</c>.
    /// Lines for other sets, and lines that are not plain addresses, are skipped.
    /// </summary>
    public static List<AppliedBlock> ParseSave(string output, string set)
    {
        var result = new List<AppliedBlock>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || parts[0] != "add" || parts[1] != set || !IPAddress.TryParse(parts[2], out var ip))
            {
                continue;
            }
            TimeSpan? remaining = null;
            long? packets = null;
            for (var i = 3; i + 1 < parts.Length; i += 2)
            {
                if (!long.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }
                switch (parts[i])
                {
                    case "timeout":
                        // 0 means "no timeout" in ipset; we never add such elements, but someone may have.
                        remaining = value == 0 ? null : TimeSpan.FromSeconds(value);
                        break;
                    case "packets":
                        packets = value;
                        break;
                }
            }
            result.Add(new AppliedBlock(ip, remaining, packets));
        }
        return result;
    }
}

using System.Net;
using System.Net.Sockets;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>
/// Whether an address can be a real attacker on the Internet: public unicast, not a private, reserved,
/// documentation or otherwise special-purpose range. Blocking such ranges on a peer's word could cut a
/// node off from its own network, so they are refused.
/// </summary>
/// <remarks>
/// Sources: IANA IPv4 Special-Purpose Address Registry
/// (https://www.iana.org/assignments/iana-ipv4-special-registry) and IANA IPv6 Special-Purpose Address
/// Registry (https://www.iana.org/assignments/iana-ipv6-special-registry), plus RFC 3849/9637
/// (documentation), RFC 8986 (SRv6 SIDs) and RFC 3068/7526 (6to4). Entries IANA marks "globally reachable"
/// inside a refused block are listed first as accepted: the first matching row decides.
/// </remarks>
internal static class AddressClassifier
{
    private static readonly IPNetwork Nat64WellKnown = IPNetwork.Parse("64:ff9b::/96");

    private static readonly Row[] Table =
    [
        // IPv4
        Reject("0.0.0.0/8", "\"this network\" 0.0.0.0/8 (RFC 791)"),
        Reject("10.0.0.0/8", "RFC 1918 private 10.0.0.0/8"),
        Reject("100.64.0.0/10", "shared address space (CGNAT) 100.64.0.0/10 (RFC 6598)"),
        Reject("127.0.0.0/8", "loopback 127.0.0.0/8 (RFC 1122)"),
        Reject("169.254.0.0/16", "link-local 169.254.0.0/16 (RFC 3927)"),
        Reject("172.16.0.0/12", "RFC 1918 private 172.16.0.0/12"),
        // IANA marks these two anycast service addresses globally reachable.
        Accept("192.0.0.9/32", "port control protocol anycast 192.0.0.9/32 (RFC 7723)"),
        Accept("192.0.0.10/32", "TURN anycast 192.0.0.10/32 (RFC 8155)"),
        Reject("192.0.0.0/24", "IETF protocol assignments 192.0.0.0/24 (RFC 6890)"),
        Reject("192.0.2.0/24", "documentation TEST-NET-1 192.0.2.0/24 (RFC 5737)"),
        Reject("192.88.99.0/24", "deprecated 6to4 relay anycast 192.88.99.0/24 (RFC 7526)"),
        Reject("192.168.0.0/16", "RFC 1918 private 192.168.0.0/16"),
        Reject("198.18.0.0/15", "benchmarking 198.18.0.0/15 (RFC 2544)"),
        Reject("198.51.100.0/24", "documentation TEST-NET-2 198.51.100.0/24 (RFC 5737)"),
        Reject("203.0.113.0/24", "documentation TEST-NET-3 203.0.113.0/24 (RFC 5737)"),
        Reject("224.0.0.0/4", "multicast 224.0.0.0/4 (RFC 5771)"),
        Reject("255.255.255.255/32", "limited broadcast 255.255.255.255/32 (RFC 919)"),
        Reject("240.0.0.0/4", "reserved 240.0.0.0/4 (RFC 1112)"),

        // IPv6 (::ffff:0:0/96 and 64:ff9b::/96 are classified by their embedded IPv4 before this table)
        Reject("::/128", "unspecified ::/128 (RFC 4291)"),
        Reject("::1/128", "loopback ::1/128 (RFC 4291)"),
        Reject("64:ff9b:1::/48", "local-use IPv4/IPv6 translation 64:ff9b:1::/48 (RFC 8215)"),
        Reject("100::/64", "discard-only 100::/64 (RFC 6666)"),
        Accept("2001:1::1/128", "port control protocol anycast 2001:1::1/128 (RFC 7723)"),
        Accept("2001:1::2/128", "TURN anycast 2001:1::2/128 (RFC 8155)"),
        Accept("2001:3::/32", "AMT 2001:3::/32 (RFC 7450)"),
        Accept("2001:4:112::/48", "AS112-v6 2001:4:112::/48 (RFC 7535)"),
        Accept("2001:20::/28", "ORCHIDv2 2001:20::/28 (RFC 7343)"),
        Accept("2001:30::/28", "drone remote ID DET 2001:30::/28 (RFC 9374)"),
        Reject("2001::/23", "IETF protocol assignments 2001::/23 (RFC 2928; includes Teredo 2001::/32)"),
        Reject("2001:db8::/32", "documentation 2001:db8::/32 (RFC 3849)"),
        Reject("2002::/16", "6to4 2002::/16 (RFC 3056; relays deprecated by RFC 7526)"),
        Reject("3fff::/20", "documentation 3fff::/20 (RFC 9637)"),
        Reject("5f00::/16", "segment routing SIDs 5f00::/16 (RFC 8986)"),
        Reject("fc00::/7", "unique local fc00::/7 (RFC 4193)"),
        Reject("fe80::/10", "link-local fe80::/10 (RFC 4291)"),
        Reject("ff00::/8", "multicast ff00::/8 (RFC 4291)"),
        // Everything else outside 2000::/3 is unallocated or reserved by the IETF (IANA IPv6 Address Space
        // registry), including the deprecated IPv4-compatible ::/96: no Internet host sends from there.
        new(IPNetwork.Parse("2000::/3"), null, true),
        Reject("::/0", "IPv6 outside global unicast 2000::/3 (reserved by the IETF)"),
    ];

    /// <summary>
    /// True when <paramref name="ip"/> is a public unicast address. <paramref name="rangeName"/> names the
    /// special-purpose range it falls in (refused or not), null for ordinary public addresses.
    /// IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are judged by the IPv4 inside.
    /// </summary>
    public static bool IsPublicUnicast(IPAddress ip, out string? rangeName)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (ip.IsIPv4MappedToIPv6)
            {
                bool result = IsPublicUnicast(ip.MapToIPv4(), out var inner);
                rangeName = inner is null ? null : "IPv4-mapped ::ffff:0:0/96 of " + inner;
                return result;
            }
            if (Nat64WellKnown.Contains(ip))
            {
                Span<byte> bytes = stackalloc byte[16];
                _ = ip.TryWriteBytes(bytes, out _);
                bool result = IsPublicUnicast(new IPAddress(bytes[12..]), out var inner);
                rangeName = "NAT64 64:ff9b::/96" + (inner is null ? "" : " of " + inner);
                return result;
            }
        }
        else if (ip.AddressFamily != AddressFamily.InterNetwork)
        {
            rangeName = "not an IP address (" + ip.AddressFamily + ")";
            return false;
        }
        foreach (var row in Table)
        {
            if (row.Network.Contains(ip))
            {
                rangeName = row.Name;
                return row.Public;
            }
        }
        rangeName = null;
        return true;
    }

    private static Row Reject(string cidr, string name) => new(IPNetwork.Parse(cidr), name, false);

    private static Row Accept(string cidr, string name) => new(IPNetwork.Parse(cidr), name, true);

    private readonly record struct Row(IPNetwork Network, string? Name, bool Public);
}

// PLACEHOLDER: the signals branch owns this file
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>Which addresses may never be blocked (placeholder with a minimal range list).</summary>
internal sealed class AddressPolicy
{
    private readonly List<(IPAddress Network, int Prefix)> _allowlist = [];
    private readonly HashSet<IPAddress> _local;
    private volatile HashSet<IPAddress> _peers = [];

    public AddressPolicy(IEnumerable<string> allowlist, Func<IEnumerable<IPAddress>>? localAddresses = null)
    {
        foreach (var entry in allowlist)
        {
            var parts = entry.Split('/');
            var ip = IPAddress.Parse(parts[0]);
            _allowlist.Add((ip, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
        }
        _local = [.. (localAddresses ?? InterfaceAddresses)()];
    }

    public void SetPeerAddresses(IEnumerable<IPAddress> addresses) => _peers = [.. addresses];

    public AddressVerdict Classify(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        if (IsPrivate(ip))
        {
            return new AddressVerdict(RejectReason.PrivateIp, $"{ip} is not a public unicast address");
        }
        if (_local.Contains(ip))
        {
            return new AddressVerdict(RejectReason.Allowlisted, $"{ip} is this node's own address");
        }
        if (_peers.Contains(ip))
        {
            return new AddressVerdict(RejectReason.Allowlisted, $"{ip} is a configured peer's address");
        }
        foreach (var (network, prefix) in _allowlist)
        {
            if (InRange(ip, network, prefix))
            {
                return new AddressVerdict(RejectReason.Allowlisted, $"{ip} is on the allowlist ({network}/{prefix})");
            }
        }
        return new AddressVerdict(RejectReason.None, null);
    }

    private static IEnumerable<IPAddress> InterfaceAddresses()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var address in nic.GetIPProperties().UnicastAddresses)
            {
                yield return address.Address;
            }
        }
    }

    private static readonly (string Net, int Prefix)[] PrivateRanges =
    [
        ("0.0.0.0", 8), ("10.0.0.0", 8), ("100.64.0.0", 10), ("127.0.0.0", 8), ("169.254.0.0", 16), ("172.16.0.0", 12),
        ("192.0.0.0", 24), ("192.0.2.0", 24), ("192.168.0.0", 16), ("198.18.0.0", 15), ("198.51.100.0", 24),
        ("203.0.113.0", 24), ("224.0.0.0", 4), ("240.0.0.0", 4),
        ("::", 128), ("::1", 128), ("fe80::", 10), ("fc00::", 7), ("ff00::", 8), ("2001:db8::", 32),
    ];

    private static bool IsPrivate(IPAddress ip)
    {
        foreach (var (net, prefix) in PrivateRanges)
        {
            if (InRange(ip, IPAddress.Parse(net), prefix))
            {
                return true;
            }
        }
        return false;
    }

    private static bool InRange(IPAddress ip, IPAddress network, int prefix)
    {
        if (ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        var a = ip.GetAddressBytes();
        var b = network.GetAddressBytes();
        for (int i = 0; i < a.Length && prefix > 0; i++, prefix -= 8)
        {
            int mask = prefix >= 8 ? 0xFF : (0xFF << (8 - prefix)) & 0xFF;
            if ((a[i] & mask) != (b[i] & mask))
            {
                return false;
            }
        }
        return true;
    }
}

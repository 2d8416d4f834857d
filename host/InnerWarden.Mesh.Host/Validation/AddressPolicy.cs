using System.Collections.Frozen;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>
/// Addresses this node must never block: non-public ranges, the operator's allowlist, the node's own
/// addresses and its peers' addresses. A malicious peer cannot make a node cut itself off.
/// Reads are lock-free; the own and peer sets are replaced whole, so a reader sees the old or the new set.
/// </summary>
internal sealed class AddressPolicy
{
    private readonly IPNetwork[] _allowlist;
    private readonly Func<IEnumerable<IPAddress>> _localAddresses;
    private volatile FrozenSet<IPAddress> _local;
    private volatile FrozenDictionary<IPAddress, string> _peers = FrozenDictionary<IPAddress, string>.Empty;

    /// <summary>
    /// A policy over <paramref name="allowlist"/> (IPs or CIDRs). <paramref name="localAddresses"/> lists this
    /// node's addresses; by default every address of every network interface. Throws
    /// <see cref="ArgumentException"/> naming the first bad allowlist entry.
    /// </summary>
    public AddressPolicy(IEnumerable<string> allowlist, Func<IEnumerable<IPAddress>>? localAddresses = null)
    {
        ArgumentNullException.ThrowIfNull(allowlist);
        var networks = new List<IPNetwork>();
        foreach (var entry in allowlist)
        {
            if (!TryParseAllowlistEntry(entry, out var network, out var error))
            {
                throw new ArgumentException(error, nameof(allowlist));
            }
            networks.Add(network);
        }
        _allowlist = [.. networks];
        _localAddresses = localAddresses ?? InterfaceAddresses;
        _local = Snapshot(_localAddresses());
    }

    /// <summary>This node's addresses as last read.</summary>
    public IReadOnlySet<IPAddress> LocalAddresses => _local;

    /// <summary>
    /// Parses an allowlist entry: an IP (<c>203.0.113.7</c>, <c>2001:db8::1</c>) or a CIDR
    /// (<c>203.0.113.0/24</c>). On failure <paramref name="error"/> names the entry and the problem.
    /// </summary>
    public static bool TryParseAllowlistEntry(string? text, out IPNetwork network, out string? error)
    {
        network = default;
        string entry = text?.Trim() ?? "";
        int slash = entry.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? entry : entry[..slash];
        if (!IpAddressText.TryParse(addressText, out var address, out var parseError))
        {
            error = $"allowlist entry '{text}': {parseError}";
            return false;
        }
        // IpAddressText normalizes ::ffff:a.b.c.d to IPv4; a prefix written for the IPv6 form shrinks with it.
        bool mapped = address.AddressFamily == AddressFamily.InterNetwork && addressText.Contains(':', StringComparison.Ordinal);
        int bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = bits;
        if (slash >= 0)
        {
            var prefixText = entry.AsSpan(slash + 1);
            int max = mapped ? 128 : bits;
            if (prefixText.IsEmpty || prefixText.Length > 3 || prefixText.IndexOfAnyExceptInRange('0', '9') >= 0
                || !int.TryParse(prefixText, out prefix) || prefix > max || (mapped && prefix < 96))
            {
                error = $"allowlist entry '{text}': prefix length must be {(mapped ? 96 : 0)}-{max}";
                return false;
            }
            if (mapped)
            {
                prefix -= 96;
            }
        }
        var masked = Mask(address, prefix);
        if (!masked.Equals(address))
        {
            error = $"allowlist entry '{text}': address has bits set beyond the /{prefix} prefix (did you mean {masked}/{prefix}?)";
            return false;
        }
        network = new IPNetwork(address, prefix);
        error = null;
        return true;
    }

    /// <summary>Re-reads this node's addresses (after an interface change).</summary>
    public void RefreshLocalAddresses() => _local = Snapshot(_localAddresses());

    /// <summary>Replaces the set of peer addresses (named only as "a peer" in verdicts).</summary>
    public void SetPeerAddresses(IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        SetNamedPeerAddresses(addresses.Select(a => (a, "a configured peer")));
    }

    /// <summary>Replaces the set of peer addresses, each with the peer it belongs to (e.g. its URL) for verdicts.</summary>
    public void SetNamedPeerAddresses(IEnumerable<(IPAddress Address, string Peer)> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var map = new Dictionary<IPAddress, string>();
        foreach (var (address, peer) in addresses)
        {
            map.TryAdd(IpAddressText.Normalize(address), peer);
        }
        _peers = map.ToFrozenDictionary();
    }

    /// <summary>
    /// <see cref="RejectReason.PrivateIp"/> for non-public ranges, <see cref="RejectReason.Allowlisted"/> for the
    /// allowlist, this node's and peers' addresses, else <see cref="RejectReason.None"/>.
    /// </summary>
    public AddressVerdict Classify(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ip = IpAddressText.Normalize(ip);
        if (!AddressClassifier.IsPublicUnicast(ip, out var range))
        {
            return new AddressVerdict(RejectReason.PrivateIp, range);
        }
        foreach (var network in _allowlist)
        {
            if (network.Contains(ip))
            {
                return new AddressVerdict(RejectReason.Allowlisted, "allowlist entry " + network);
            }
        }
        if (_local.Contains(ip))
        {
            return new AddressVerdict(RejectReason.Allowlisted, "address of this node");
        }
        if (_peers.TryGetValue(ip, out var peer))
        {
            return new AddressVerdict(RejectReason.Allowlisted, "address of peer " + peer);
        }
        return new AddressVerdict(RejectReason.None, null);
    }

    private static FrozenSet<IPAddress> Snapshot(IEnumerable<IPAddress> addresses) =>
        addresses.Select(IpAddressText.Normalize).ToFrozenSet();

    private static List<IPAddress> InterfaceAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .ToList();

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}

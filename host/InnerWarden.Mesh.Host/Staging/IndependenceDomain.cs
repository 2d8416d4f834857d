using System.Net;
using System.Net.Sockets;

namespace InnerWarden.Mesh.Host.Staging;

/// <summary>
/// Which signers count as one when reports of an address combine (<see cref="Contracts.Staging.StageRequest.Domain"/>).
/// Identities are free to make, networks and an operator's vouch are not: a key the operator vouched for is its own
/// domain (the operator listed that node; operator certificates, when they come, make the certificate's operator key
/// the domain), any other signer is the /24 (IPv4) or /48 (IPv6) network its connection came from. A signal whose
/// source address is not a connection's (relayed through NATS: the relay's) is its key's own domain; such signers
/// still need trust above the pool's floor to vote at all, and a NATS cluster is operator-run and authenticated.
/// </summary>
internal static class IndependenceDomain
{
    /// <summary>IPv4 network prefix of one domain.</summary>
    public const int V4Prefix = 24;

    /// <summary>IPv6 network prefix of one domain.</summary>
    public const int V6Prefix = 48;

    /// <summary>The domain of <paramref name="nodeId"/>, vouched or not, sending from <paramref name="remoteAddress"/> (<c>ip:port</c>).</summary>
    public static string Of(string nodeId, bool vouched, string remoteAddress)
    {
        if (vouched || !IPEndPoint.TryParse(remoteAddress, out var endpoint))
        {
            return "key:" + nodeId;
        }
        var ip = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        int prefix = ip.AddressFamily == AddressFamily.InterNetwork ? V4Prefix : V6Prefix;
        return "net:" + new IPNetwork(Mask(ip, prefix), prefix).ToString();
    }

    private static IPAddress Mask(IPAddress ip, int prefix)
    {
        var bytes = ip.GetAddressBytes();
        for (int bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return new IPAddress(bytes);
    }
}

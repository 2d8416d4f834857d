using System.Net;
using System.Net.Sockets;

namespace InnerWarden.Mesh.Host.Peers;

/// <summary>
/// The addresses a peer endpoint stands for: its IP literal, else what DNS says (bounded in time). Used wherever a
/// peer's addresses must be known, above all the never-block set (a malicious peer could otherwise cut the mesh apart).
/// </summary>
internal static class PeerAddressResolver
{
    private static readonly TimeSpan DnsTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The endpoint host's addresses (IPv4-mapped ones as IPv4); the error says why none were found.</summary>
    public static async Task<(IReadOnlyList<IPAddress> Addresses, string? Error)> ResolveAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var host = endpoint.IdnHost.TrimStart('[').TrimEnd(']');
        if (IPAddress.TryParse(host, out var literal))
        {
            return ([Normalize(literal)], null);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(DnsTimeout);
            var found = await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false);
            return ([.. found.Select(Normalize)], null);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ([], ex.Message);
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

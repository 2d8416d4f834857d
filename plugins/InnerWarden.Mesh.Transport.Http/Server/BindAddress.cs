using System.Globalization;
using System.Net;

namespace InnerWarden.Mesh.Transport.Http.Server;

/// <summary>NodeSettings.Bind (<c>host:port</c>, <c>[v6]:port</c>, port 0 for any free port) as an endpoint to listen on.</summary>
internal static class BindAddress
{
    public static IPEndPoint Parse(string bind)
    {
        int colon = bind.LastIndexOf(':');
        if (colon <= 0 || colon == bind.Length - 1)
        {
            throw Bad(bind, "expected host:port");
        }
        var hostPart = bind[..colon].Trim();
        var portPart = bind[(colon + 1)..];
        if (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw Bad(bind, $"port '{portPart}' is not 0 - 65535");
        }
        if (hostPart.StartsWith('[') && hostPart.EndsWith(']'))
        {
            hostPart = hostPart[1..^1];
        }
        IPAddress address = hostPart switch
        {
            "*" or "" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ when IPAddress.TryParse(hostPart, out var parsed) => parsed,
            // A name: listen on what it resolves to now (a bind name is not expected to move).
            _ => Resolve(bind, hostPart),
        };
        return new IPEndPoint(address, port);
    }

    private static IPAddress Resolve(string bind, string host)
    {
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return addresses.Length > 0 ? addresses[0] : throw Bad(bind, $"host '{host}' resolves to no address");
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw Bad(bind, $"host '{host}' does not resolve ({ex.Message})");
        }
    }

    private static ArgumentException Bad(string bind, string problem) => new($"bind: '{bind}' {problem}");
}

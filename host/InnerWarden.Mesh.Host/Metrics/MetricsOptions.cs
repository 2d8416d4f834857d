using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace InnerWarden.Mesh.Host.Metrics;

/// <summary>The <c>metrics:</c> section of the config: the Prometheus endpoint, off unless enabled.</summary>
/// <param name="Enabled"><c>metrics.enabled</c>: serve <c>GET /metrics</c>.</param>
/// <param name="Bind"><c>metrics.bind</c>: <c>host:port</c> to listen on; host is an IP literal (IPv6 in brackets) or <c>localhost</c>.</param>
internal sealed record MetricsOptions(bool Enabled = false, string Bind = MetricsOptions.DefaultBind)
{
    /// <summary>Loopback only: the endpoint names peers and their trust, which is nobody else's business.</summary>
    public const string DefaultBind = "127.0.0.1:9464";

    /// <summary>Checks <see cref="Bind"/>; on failure the error names the key and the bad value.</summary>
    public bool TryGetEndpoint([NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
        => TryParseBind(Bind, out endpoint, out error);

    /// <summary>Parses a <c>metrics.bind</c> value such as <c>127.0.0.1:9464</c>, <c>[::1]:9464</c> or <c>localhost:0</c>.</summary>
    public static bool TryParseBind(string? bind, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        var text = bind?.Trim() ?? "";
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"metrics.bind: '{bind}' is not host:port";
            return false;
        }
        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']'))
            {
                error = $"metrics.bind: '{bind}' is not host:port (an IPv6 address goes in brackets, e.g. [::1]:9464)";
                return false;
            }
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            error = $"metrics.bind: '{bind}' is not host:port (an IPv6 address goes in brackets, e.g. [::1]:9464)";
            return false;
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            error = $"metrics.bind: '{bind}' has port '{portText}', which is not a number from 0 to 65535";
            return false;
        }
        IPAddress? address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        // IPAddress.TryParse also takes "10.1" or "167772161" as IPv4; a config value that short is a typo.
        else if (!IPAddress.TryParse(host, out address)
            || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && host.Count(c => c == '.') != 3))
        {
            error = $"metrics.bind: '{bind}' has host '{host}', which is not an IP address or localhost";
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        error = null;
        return true;
    }
}

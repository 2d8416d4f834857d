using System.Net;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>Checks of single config values, shared by the loader and the CLI commands that write the file.</summary>
internal static class ConfigValues
{
    /// <summary>A peer endpoint: an absolute http/https URL with a host.</summary>
    public static bool TryParseEndpoint(string text, out Uri endpoint, out string problem)
    {
        endpoint = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            problem = $"expected an absolute http:// or https:// URL, got '{text}'";
            return false;
        }
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            problem = $"expected an http:// or https:// URL, got scheme '{uri.Scheme}' in '{text}'";
            return false;
        }
        if (string.IsNullOrEmpty(uri.Host))
        {
            problem = $"expected a URL with a host, got '{text}'";
            return false;
        }
        endpoint = uri;
        problem = "";
        return true;
    }

    /// <summary>A node public key: exactly 64 hex characters (stored lowercase).</summary>
    public static bool TryParsePublicKey(string text, out string key, out string problem)
    {
        key = "";
        if (text.Length != 64)
        {
            problem = $"expected 64 hex characters, got {text.Length}";
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                problem = $"expected 64 hex characters, got non-hex character '{c}'";
                return false;
            }
        }
        key = text.ToLowerInvariant();
        problem = "";
        return true;
    }

    /// <summary>An allowlist entry: an IP address or a CIDR.</summary>
    public static bool IsAddressOrCidr(string text, out string problem)
    {
        if (text.Contains('/', StringComparison.Ordinal) ? IPNetwork.TryParse(text, out _) : IPAddress.TryParse(text, out _))
        {
            problem = "";
            return true;
        }
        problem = $"expected an IP address or CIDR (e.g. 10.0.0.0/8), got '{text}'";
        return false;
    }

    /// <summary>A bind address <c>host:port</c> (IPv6 hosts in brackets), port 0-65535.</summary>
    public static bool IsBindAddress(string text, out string problem)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            problem = $"expected host:port (e.g. 0.0.0.0:8790), got '{text}'";
            return false;
        }
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            if (!IPAddress.TryParse(host, out _))
            {
                problem = $"expected an IPv6 address in brackets, got '{text}'";
                return false;
            }
        }
        else if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            problem = $"expected host:port (e.g. 0.0.0.0:8790), got '{text}'";
            return false;
        }
        problem = "";
        return true;
    }
}

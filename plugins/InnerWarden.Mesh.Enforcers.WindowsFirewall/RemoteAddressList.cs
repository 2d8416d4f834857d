using System.Net;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>The firewall's RemoteAddresses string: comma-separated, and read back with masks ("1.2.3.4/255.255.255.255").</summary>
internal static class RemoteAddressList
{
    public static string Format(IReadOnlyList<IPAddress> addresses) => string.Join(',', addresses);

    /// <summary>
    /// The single addresses in the string. "*" (any), ranges and subnets are not ours and are dropped, so a rule
    /// holding only those reads as empty and is deleted rather than left blocking everyone.
    /// </summary>
    public static IReadOnlyList<IPAddress> Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }
        var result = new List<IPAddress>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            var address = slash < 0 ? part : part[..slash];
            var mask = slash < 0 ? null : part[(slash + 1)..];
            if (mask is not null and not "255.255.255.255" and not "128" and not "32")
            {
                continue;
            }
            if (IPAddress.TryParse(address, out var ip))
            {
                result.Add(ip);
            }
        }
        return result;
    }
}

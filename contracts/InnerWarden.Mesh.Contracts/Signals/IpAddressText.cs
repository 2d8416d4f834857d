using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>
/// Strict parsing and one normal form of IP addresses. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
/// also takes inet_aton shorthand ("127.1", "0x7f.0.0.1"), ports ("[::1]:80") and zones ("fe80::1%eth0"),
/// none of which belong in a signal or the allowlist. The one parser of address text for the host and the plugins
/// (signals, local reports, sshd lines, the CLI), so every address is held to the same rule.
/// </summary>
public static class IpAddressText
{
    private static readonly System.Buffers.SearchValues<char> Ipv6Characters = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>Longest IPv6 text (with an embedded IPv4 tail).</summary>
    public const int MaxLength = 45;

    /// <summary>
    /// Parses dotted-quad IPv4 (four decimal octets, no leading zeros) or IPv6 text without zone, brackets or
    /// port. The result is normalized (<see cref="Normalize"/>). On failure <paramref name="error"/> says why.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty address";
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = $"'{text[..MaxLength]}...' is too long for an IP address";
            return false;
        }
        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (text.AsSpan().IndexOfAnyExcept(Ipv6Characters) >= 0)
            {
                error = $"'{text}' is not a plain IPv6 address (no zone, brackets, port or prefix allowed)";
                return false;
            }
            // An embedded IPv4 tail (::ffff:8.8.8.8, 64:ff9b::8.8.8.8) follows the dotted-quad rule of a plain IPv4
            // address: IPAddress.TryParse would read ::ffff:8.8.8.010 as 8.8.8.10.
            int tail = text.LastIndexOf(':');
            if (!IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6
                || (text.AsSpan(tail + 1).Contains('.') && !TryParseDottedQuad(text.AsSpan(tail + 1), out _)))
            {
                error = $"'{text}' is not an IPv6 address (an IPv4 tail is four decimal octets 0-255, no leading zeros)";
                return false;
            }
            address = Normalize(v6);
            error = null;
            return true;
        }
        if (!TryParseDottedQuad(text, out uint value))
        {
            error = $"'{text}' is not an IPv4 address (four decimal octets 0-255, no leading zeros)";
            return false;
        }
        address = new IPAddress(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });
        error = null;
        return true;
    }

    /// <summary>
    /// One form per address, so equality works: IPv4-mapped IPv6 becomes IPv4, and an IPv6 scope id (which
    /// <see cref="IPAddress.Equals(object?)"/> compares) is dropped.
    /// </summary>
    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            return new IPAddress(address.GetAddressBytes());
        }
        return address;
    }

    private static bool TryParseDottedQuad(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        int octets = 0;
        while (true)
        {
            int digits = 0;
            int octet = 0;
            while (digits < text.Length && char.IsAsciiDigit(text[digits]))
            {
                octet = octet * 10 + (text[digits] - '0');
                digits++;
                if (digits > 3)
                {
                    return false;
                }
            }
            if (digits == 0 || octet > 255 || (digits > 1 && text[0] == '0'))
            {
                return false;
            }
            value = (value << 8) | (uint)octet;
            octets++;
            text = text[digits..];
            if (octets == 4)
            {
                return text.IsEmpty;
            }
            if (text.IsEmpty || text[0] != '.')
            {
                return false;
            }
            text = text[1..];
        }
    }
}

using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace InnerWarden.Mesh.Detectors.Sshd.Parsing;

/// <summary>
/// Recognises the OpenSSH server's authentication messages in one log line, with or without a syslog prefix
/// (<c>Mar 27 12:34:56 host sshd[1234]: </c>, RFC 3339 timestamps, <c>sshd-session[...]</c> of OpenSSH 9.8+) and
/// as written by <c>sshd -E logfile</c> or journald's MESSAGE (no prefix). Pure and allocation-free except for the
/// address of a recognised line; no regular expressions, because most lines in an auth log are not sshd's and
/// must be rejected in a few vectorised scans.
/// </summary>
/// <remarks>
/// Addresses are always read from the text sshd writes after the user name (<c>LastIndexOf</c>), so a user name
/// chosen by the attacker (<c>"x from 1.1.1.1 port 22"</c>) cannot make the parser blame another address.
/// </remarks>
internal static class SshdLineParser
{
    /// <summary>Longer lines are not sshd's (its messages are short); they are rejected without scanning.</summary>
    public const int MaxLineLength = 4096;

    // The program tag sits after the timestamp and host name; searching a bounded head keeps garbage lines cheap.
    private const int HeaderSearchLength = 320;

    private static readonly SearchValues<char> AddressChars = SearchValues.Create("0123456789abcdefABCDEF.:");

    /// <summary>Parses one line.</summary>
    /// <returns>False for lines that are not a recognised sshd authentication message.</returns>
    public static bool TryParse(ReadOnlySpan<char> line, out SshdEvent result)
    {
        result = default;
        if (line.IsEmpty || line.Length > MaxLineLength)
        {
            return false;
        }
        var message = StripSyslogHeader(line);
        // sshd's level prefix: "error: " on several failures, "fatal: " on the pre-9.8 login grace timeout.
        if (message.StartsWith("error: ", StringComparison.Ordinal) || message.StartsWith("fatal: ", StringComparison.Ordinal))
        {
            message = message[7..];
        }
        if (message.Length < 8)
        {
            return false;
        }
        return message[0] switch
        {
            'F' => ParseFailed(message, out result),
            'A' => ParseAccepted(message, out result),
            'I' => ParseInvalidUser(message, out result),
            'C' => ParseConnectionClosed(message, out result),
            'D' => ParseDisconnect(message, out result),
            'R' => ParseReceivedDisconnect(message, out result),
            'm' => ParseMaxAttempts(message, out result),
            'U' => ParseUser(message, out result),
            'b' => ParsePrefixedIpPort(message, "banner exchange: Connection from ", SshdEventKind.ConnectionFailure, out result),
            'P' => ParsePam(message, out result),
            'p' => ParsePamUnix(message, out result),
            'T' => ParseTimeout(message, out result),
            _ => false,
        };
    }

    /// <summary>The message after an sshd syslog tag, or the whole line when there is no tag (bare message).</summary>
    internal static ReadOnlySpan<char> StripSyslogHeader(ReadOnlySpan<char> line)
    {
        var head = line.Length > HeaderSearchLength ? line[..HeaderSearchLength] : line;
        var offset = 0;
        while (offset < head.Length)
        {
            var found = head[offset..].IndexOf("sshd", StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }
            var at = offset + found;
            offset = at + 4;
            if (at > 0 && head[at - 1] != ' ')
            {
                continue;
            }
            var after = line[(at + 4)..];
            if (after.StartsWith("-session", StringComparison.Ordinal))
            {
                after = after[8..];
            }
            if (after.StartsWith('['))
            {
                var close = after.IndexOf(']');
                if (close > 1 && after[(close + 1)..].StartsWith(": ", StringComparison.Ordinal))
                {
                    return after[(close + 3)..];
                }
            }
            else if (after.StartsWith(": ", StringComparison.Ordinal))
            {
                return after[2..];
            }
        }
        return line;
    }

    // Failed <method> for [invalid user ]<user> from <ip> port <port> ssh2[: <key>]
    private static bool ParseFailed(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        if (!message.StartsWith("Failed ", StringComparison.Ordinal))
        {
            return false;
        }
        var rest = message[7..];
        var space = rest.IndexOf(' ');
        if (space <= 0 || !rest[space..].StartsWith(" for ", StringComparison.Ordinal))
        {
            return false;
        }
        // "none" is the client's opening probe for the methods list, not a credential.
        var kind = rest[..space].SequenceEqual("none") ? SshdEventKind.Related : SshdEventKind.CredentialFailure;
        return TryFromIpPort(rest[space..], kind, out result);
    }

    // Accepted <method> for <user> from <ip> port <port> ssh2
    private static bool ParseAccepted(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        return message.StartsWith("Accepted ", StringComparison.Ordinal)
            && message.Contains(" for ", StringComparison.Ordinal)
            && TryFromIpPort(message, SshdEventKind.Accepted, out result);
    }

    // Invalid user <user> from <ip> port <port>
    private static bool ParseInvalidUser(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        return message.StartsWith("Invalid user ", StringComparison.Ordinal)
            && TryFromIpPort(message, SshdEventKind.ConnectionFailure, out result);
    }

    // Connection closed by [authenticating user <u> |invalid user <u> ]<ip> port <port> [preauth]
    // Connection reset by ... (same shapes)
    private static bool ParseConnectionClosed(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        ReadOnlySpan<char> rest;
        if (message.StartsWith("Connection closed by ", StringComparison.Ordinal))
        {
            rest = message[21..];
        }
        else if (message.StartsWith("Connection reset by ", StringComparison.Ordinal))
        {
            rest = message[20..];
        }
        else
        {
            return false;
        }
        return ParseUserIpPortPreauth(rest, out result);
    }

    // Disconnected from [authenticating user <u> |invalid user <u> |user <u> ]<ip> port <port>[ [preauth]]
    // Disconnecting authenticating user <u> <ip> port <port>: Too many authentication failures [preauth]
    private static bool ParseDisconnect(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        if (message.StartsWith("Disconnected from ", StringComparison.Ordinal))
        {
            return ParseUserIpPortPreauth(message[18..], out result);
        }
        if (message.StartsWith("Disconnecting ", StringComparison.Ordinal))
        {
            var rest = message[14..];
            if (rest.StartsWith("authenticating user ", StringComparison.Ordinal) || rest.StartsWith("invalid user ", StringComparison.Ordinal))
            {
                return TryUserIpPort(rest, SshdEventKind.ConnectionFailure, out result);
            }
        }
        return false;
    }

    private static bool ParseUserIpPortPreauth(ReadOnlySpan<char> rest, out SshdEvent result)
    {
        var preauth = rest.EndsWith("[preauth]", StringComparison.Ordinal);
        var withUser = rest.StartsWith("authenticating user ", StringComparison.Ordinal) || rest.StartsWith("invalid user ", StringComparison.Ordinal);
        // A preauth close after a user was named is an authentication that failed; one without a user is a port
        // probe or health check, and a close after login ("user root") is a normal logout.
        var kind = preauth && withUser ? SshdEventKind.ConnectionFailure : SshdEventKind.Related;
        return TryUserIpPort(rest, kind, out result);
    }

    // Timeout before authentication for <ip> port <port>                            (OpenSSH < 9.8, the session)
    // Timeout before authentication for connection from <ip> to <local ip>, pid = <n>  (OpenSSH >= 9.8, the listener)
    private static bool ParseTimeout(ReadOnlySpan<char> message, out SshdEvent result)
    {
        const string Prefix = "Timeout before authentication for ";
        const string ListenerForm = "connection from ";
        result = default;
        if (!message.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = message[Prefix.Length..];
        if (!rest.StartsWith(ListenerForm, StringComparison.Ordinal))
        {
            return TryIpThenPort(rest, SshdEventKind.ConnectionFailure, out result);
        }
        // The listener knows no port; the connection counts once on its own (see FailureWindow).
        return TryIp(Token(rest[ListenerForm.Length..]), out var ip) && Set(SshdEventKind.ConnectionFailure, ip, -1, out result);
    }

    // Received disconnect from <ip> port <port>:11: Bye Bye [preauth]
    private static bool ParseReceivedDisconnect(ReadOnlySpan<char> message, out SshdEvent result) =>
        ParsePrefixedIpPort(message, "Received disconnect from ", SshdEventKind.Related, out result);

    // maximum authentication attempts exceeded for [invalid user ]<user> from <ip> port <port> ssh2 [preauth]
    private static bool ParseMaxAttempts(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        return message.StartsWith("maximum authentication attempts exceeded for ", StringComparison.Ordinal)
            && TryFromIpPort(message, SshdEventKind.ConnectionFailure, out result);
    }

    // User <user> from <ip> not allowed because <reason>
    // Unable to negotiate with <ip> port <port>: no matching ...
    private static bool ParseUser(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        if (message.StartsWith("Unable to negotiate with ", StringComparison.Ordinal))
        {
            return ParsePrefixedIpPort(message, "Unable to negotiate with ", SshdEventKind.ConnectionFailure, out result);
        }
        if (!message.StartsWith("User ", StringComparison.Ordinal))
        {
            return false;
        }
        var because = message.LastIndexOf(" not allowed because ", StringComparison.Ordinal);
        if (because < 0)
        {
            return false;
        }
        var head = message[..because];
        var from = head.LastIndexOf(" from ", StringComparison.Ordinal);
        return from >= 0 && TryIp(head[(from + 6)..], out var ip) && Set(SshdEventKind.Related, ip, -1, out result);
    }

    // PAM: Authentication failure for [illegal user ]<user> from <ip>
    private static bool ParsePam(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        if (!message.StartsWith("PAM: Authentication failure for ", StringComparison.Ordinal))
        {
            return false;
        }
        var from = message.LastIndexOf(" from ", StringComparison.Ordinal);
        return from >= 0 && TryIp(Token(message[(from + 6)..]), out var ip) && Set(SshdEventKind.Related, ip, -1, out result);
    }

    // pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=<ip>  user=<user>
    private static bool ParsePamUnix(ReadOnlySpan<char> message, out SshdEvent result)
    {
        result = default;
        if (!message.StartsWith("pam_unix(sshd:auth): authentication failure;", StringComparison.Ordinal))
        {
            return false;
        }
        var rhost = message.IndexOf(" rhost=", StringComparison.Ordinal);
        return rhost >= 0 && TryIp(Token(message[(rhost + 7)..]), out var ip) && Set(SshdEventKind.Related, ip, -1, out result);
    }

    private static bool ParsePrefixedIpPort(ReadOnlySpan<char> message, string prefix, SshdEventKind kind, out SshdEvent result)
    {
        result = default;
        return message.StartsWith(prefix, StringComparison.Ordinal) && TryIpThenPort(message[prefix.Length..], kind, out result);
    }

    // "... from <ip> port <port>..." using the last " from ", which sshd writes after the attacker-chosen user name.
    private static bool TryFromIpPort(ReadOnlySpan<char> text, SshdEventKind kind, out SshdEvent result)
    {
        result = default;
        var from = text.LastIndexOf(" from ", StringComparison.Ordinal);
        return from >= 0 && TryIpThenPort(text[(from + 6)..], kind, out result);
    }

    // "<user words> <ip> port <port>..." using the last " port ", after which sshd writes only its own text.
    private static bool TryUserIpPort(ReadOnlySpan<char> text, SshdEventKind kind, out SshdEvent result)
    {
        result = default;
        var portAt = text.LastIndexOf(" port ", StringComparison.Ordinal);
        if (portAt <= 0)
        {
            return false;
        }
        var beforePort = text[..portAt];
        var ipStart = beforePort.LastIndexOf(' ') + 1;
        return TryIp(beforePort[ipStart..], out var ip) && Set(kind, ip, ReadPort(text[(portAt + 6)..]), out result);
    }

    // "<ip>[ port <port>]..."
    private static bool TryIpThenPort(ReadOnlySpan<char> text, SshdEventKind kind, out SshdEvent result)
    {
        result = default;
        var ipText = Token(text);
        if (!TryIp(ipText, out var ip))
        {
            return false;
        }
        var after = text[ipText.Length..];
        var port = after.StartsWith(" port ", StringComparison.Ordinal) ? ReadPort(after[6..]) : -1;
        return Set(kind, ip, port, out result);
    }

    private static ReadOnlySpan<char> Token(ReadOnlySpan<char> text)
    {
        var end = text.IndexOf(' ');
        return end < 0 ? text : text[..end];
    }

    private static int ReadPort(ReadOnlySpan<char> text)
    {
        var port = 0;
        var digits = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9' || digits == 5)
            {
                break;
            }
            port = (port * 10) + (c - '0');
            digits++;
        }
        return digits == 0 || port > 65535 ? -1 : port;
    }

    private static bool TryIp(ReadOnlySpan<char> text, out IPAddress ip)
    {
        ip = IPAddress.None;
        // Cheap shape check first: sshd prints numeric addresses (UseDNS may print a host name, which is not ours to resolve).
        if (text.Length is < 2 or > 45 || text.ContainsAnyExcept(AddressChars))
        {
            return false;
        }
        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }
        ip = parsed.AddressFamily == AddressFamily.InterNetworkV6 && parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        return true;
    }

    private static bool Set(SshdEventKind kind, IPAddress ip, int port, out SshdEvent result)
    {
        result = new SshdEvent(kind, ip, port);
        return true;
    }
}

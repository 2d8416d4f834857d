using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;

namespace InnerWarden.Mesh.Transport.Http.Client;

/// <summary>
/// A failed request to a peer in the few words an operator acts on: <c>connection refused</c>, <c>timeout after 3000 ms</c>,
/// <c>DNS: ...</c>, <c>TLS handshake failed: ...</c>, <c>connection closed before a reply</c>. What the scheme mismatch
/// cases need beyond the exception (does the peer speak the other scheme?) <see cref="PeerClient"/> finds out by probing.
/// </summary>
internal static class PeerProblem
{
    public const string PlainHttpPeer = "TLS handshake failed: peer speaks plain HTTP (list it as http://, or turn TLS on there)";
    public const string HttpsOnlyPeer = "connection closed before a reply: peer speaks HTTPS only (list it as https://)";

    /// <summary>What kind of failure this is, so the caller knows which probe tells more.</summary>
    public static bool IsTlsFailure(Exception ex) =>
        ex is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } || Find<AuthenticationException>(ex) is not null;

    /// <summary>The connection was cut before any reply: what a TLS-only server does to a plain HTTP request.</summary>
    public static bool IsClosedBeforeReply(Exception ex) =>
        ex is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse }
        || (ex is HttpRequestException && Find<SocketException>(ex) is { SocketErrorCode: SocketError.ConnectionReset });

    public static string Describe(Exception ex, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (ex is TimeoutException or OperationCanceledException || Find<TimeoutException>(ex) is not null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"timeout after {timeout.TotalMilliseconds} ms");
        }
        var socket = Find<SocketException>(ex);
        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } || socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData)
        {
            return "DNS: " + (socket?.Message ?? ex.Message);
        }
        if (IsTlsFailure(ex))
        {
            return "TLS handshake failed: " + Innermost(ex).Message;
        }
        if (socket is not null)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.TimedOut => string.Create(CultureInfo.InvariantCulture, $"timeout after {timeout.TotalMilliseconds} ms"),
                SocketError.HostUnreachable => "host unreachable",
                SocketError.NetworkUnreachable => "network unreachable",
                SocketError.ConnectionReset => "connection reset by peer",
                _ => socket.Message,
            };
        }
        if (IsClosedBeforeReply(ex))
        {
            return "connection closed before a reply";
        }
        return Innermost(ex).Message;
    }

    private static T? Find<T>(Exception ex)
        where T : Exception
    {
        for (Exception? current = ex; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }
        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }
        return ex;
    }
}

using System.Net.Sockets;
using InnerWarden.Mesh.Transport.Http.Client;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>
/// The causes no loopback test can make without leaving the machine (a name that does not resolve, an unreachable
/// network), from the exceptions SocketsHttpHandler throws for them; the rest are made for real in <see cref="TlsTests"/>.
/// </summary>
public sealed class PeerProblemTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(3000);

    [Theory]
    [InlineData(HttpRequestError.NameResolutionError, SocketError.HostNotFound, "DNS: ")]
    [InlineData(HttpRequestError.ConnectionError, SocketError.TryAgain, "DNS: ")]
    [InlineData(HttpRequestError.ConnectionError, SocketError.HostUnreachable, "host unreachable")]
    [InlineData(HttpRequestError.ConnectionError, SocketError.NetworkUnreachable, "network unreachable")]
    [InlineData(HttpRequestError.ConnectionError, SocketError.ConnectionRefused, "connection refused")]
    [InlineData(HttpRequestError.ConnectionError, SocketError.TimedOut, "timeout after 3000 ms")]
    public void A_socket_failure_is_named_by_its_cause(HttpRequestError error, SocketError socket, string expected)
    {
        var failure = new HttpRequestException(error, "request failed", new SocketException((int)socket));

        Assert.StartsWith(expected, PeerProblem.Describe(failure, Timeout), StringComparison.Ordinal);
    }

    [Fact]
    public void Our_own_timeout_and_a_cut_connection_are_named_so()
    {
        Assert.Equal("timeout after 3000 ms", PeerProblem.Describe(new TimeoutException("slow"), Timeout));
        Assert.Equal("connection closed before a reply",
            PeerProblem.Describe(new HttpRequestException(HttpRequestError.ResponseEnded, "ended"), Timeout));
    }
}

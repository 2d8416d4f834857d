using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace InnerWarden.Mesh.IntegrationTests.Transport.Hostile;

/// <summary>
/// Requests whose HTTP framing itself is hostile (chunk sizes that overflow, chunk extensions, conflicting lengths,
/// broken request lines and headers), sent as raw bytes over TCP because HttpClient would refuse to write them.
/// </summary>
internal static class HostileFraming
{
    /// <summary><paramref name="count"/> raw requests to <c>/mesh/signal</c> (seeded, so every run sends the same).</summary>
    public static IEnumerable<(string Name, byte[] Request)> Generate(int seed, int count)
    {
        var random = new Random(seed);
        string[] chunkSizes =
        [
            "ffffffffffffffffff", "fffffffffffffffff", "7fffffffffffffff", "8000000000000000", "-1", "0x10", "1;" + new string('a', 5000),
            "10000000", "g", "", " 5", "5 ", "00000000000000000000005", "5;ext=\"\r\n\"",
        ];
        string[] oddHeaders =
        [
            "Transfer-Encoding: chunked\r\nContent-Length: 5", "Content-Length: 5\r\nContent-Length: 6", "Content-Length: -1",
            "Content-Length: 99999999999999999999", "Content-Length: 0x10", "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: identity",
            "Content-Encoding: gzip", "Expect: 100-continue\r\nContent-Length: 5", "X-\u0001: 1", "Host: a\r\nHost: b", " Folded: header",
            "Content-Type: application/json\r\nContent-Type: application/x-msgpack", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        ];
        string[] requestLines =
        [
            "POST /mesh/signal HTTP/1.1", "POST /mesh/signal HTTP/1.0", "POST /mesh/signal HTTP/9.9", "POST  /mesh/signal HTTP/1.1",
            "POST /mesh/signal", "POST http://x/mesh/signal HTTP/1.1", "POST * HTTP/1.1", "P\u00d6ST /mesh/signal HTTP/1.1",
            "POST /mesh/sig\u0000nal HTTP/1.1", "POST /" + new string('a', 9000) + " HTTP/1.1",
        ];
        for (int i = 0; i < count; i++)
        {
            var builder = new StringBuilder();
            string name;
            switch (i % 3)
            {
                case 0:
                    {
                        var size = chunkSizes[random.Next(chunkSizes.Length)];
                        name = $"framing#{i} chunk size '{(size.Length > 24 ? size[..24] + "..." : size)}'";
                        builder.Append("POST /mesh/signal HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
                        builder.Append(size).Append("\r\n{\"a\":1}\r\n0\r\n\r\n");
                        break;
                    }
                case 1:
                    {
                        var header = oddHeaders[random.Next(oddHeaders.Length)];
                        name = $"framing#{i} headers '{header.Replace("\r\n", " | ", StringComparison.Ordinal)}'";
                        builder.Append("POST /mesh/signal HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n").Append(header).Append("\r\n\r\n");
                        builder.Append(header.Contains("chunked", StringComparison.Ordinal) ? "5\r\n{\"a\"}\r\n0\r\n\r\n" : "{\"a\"}");
                        break;
                    }
                default:
                    {
                        var line = requestLines[random.Next(requestLines.Length)];
                        name = $"framing#{i} request line '{(line.Length > 40 ? line[..40] + "..." : line)}'";
                        builder.Append(line).Append("\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
                        break;
                    }
            }
            yield return (name, Encoding.Latin1.GetBytes(builder.ToString()));
        }
    }

    /// <summary>Sends one raw request on its own connection and returns the reply's status code, or null when the server closed without one.</summary>
    /// <remarks>
    /// With <c>halfClose</c> a FIN follows the request. Kestrel takes a client's FIN as the connection's end and may
    /// abort the request before its reply is written, so a test that must see the reply (not just "no 5xx") leaves it open.
    /// </remarks>
    public static async Task<int?> SendAsync(int port, byte[] request, CancellationToken cancellationToken, bool halfClose = true)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request, cancellationToken);
            if (halfClose)
            {
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The server may close as soon as it has seen enough to refuse the request; its reply is still readable.
        }
        var buffer = new byte[256];
        int read = 0;
        try
        {
            while (read < 12)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
        }
        catch (IOException)
        {
            // Reset after the reply or instead of one.
        }
        var head = Encoding.Latin1.GetString(buffer, 0, read);
        return head.StartsWith("HTTP/1.", StringComparison.Ordinal) && head.Length >= 12
            ? int.Parse(head.AsSpan(9, 3), CultureInfo.InvariantCulture)
            : null;
    }
}

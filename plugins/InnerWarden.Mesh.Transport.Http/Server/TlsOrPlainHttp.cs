using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace InnerWarden.Mesh.Transport.Http.Server;

/// <summary>
/// HTTPS and plain HTTP on one port. A connection's first byte tells them apart (a TLS record starts with 0x16, the
/// handshake type; an HTTP request with a method letter), so a node that turned TLS on still serves original nodes and
/// peers that list it as http:// — their signals are signed either way — unless <c>plain_http: false</c>.
/// </summary>
internal static class TlsOrPlainHttp
{
    private const byte TlsHandshakeRecord = 0x16;

    // A connection that sends nothing is dropped after this, as Kestrel drops one that sends no request headers.
    private static readonly TimeSpan FirstByteTimeout = TimeSpan.FromSeconds(10);

    public static void Listen(ListenOptions listen, HttpsConnectionAdapterOptions https, bool acceptPlain)
    {
        // The middleware run outermost first: the sniffer, then TLS, then (captured below) the HTTP server itself, which the
        // sniffer calls directly for a plain connection, skipping TLS.
        ConnectionDelegate? plain = null;
        listen.Use(tls => context => SniffAsync(context, tls, acceptPlain ? plain : null));
        listen.UseHttps(https);
        listen.Use(http =>
        {
            plain = http;
            return http;
        });
    }

    private static async Task SniffAsync(ConnectionContext context, ConnectionDelegate tls, ConnectionDelegate? plain)
    {
        var input = context.Transport.Input;
        byte first;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.ConnectionClosed))
        {
            timeout.CancelAfter(FirstByteTimeout);
            try
            {
                while (true)
                {
                    var read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                    if (!read.Buffer.IsEmpty)
                    {
                        first = read.Buffer.FirstSpan[0];
                        // Consumed and examined nothing: TLS or HTTP reads the same bytes again.
                        input.AdvanceTo(read.Buffer.Start);
                        break;
                    }
                    if (read.IsCompleted || read.IsCanceled)
                    {
                        return;
                    }
                    input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        if (first == TlsHandshakeRecord)
        {
            await tls(context).ConfigureAwait(false);
        }
        else if (plain is not null)
        {
            await plain(context).ConfigureAwait(false);
        }
        // Else plain HTTP on a TLS-only listener: closed unanswered, which the client reports as such.
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>
/// Imitates an original innerwarden-mesh 0.1 node: its ping has no <c>encodings</c> field, and it reads only
/// JSON (anything else gets 415, as axum's Json extractor answers). It records the raw bodies it was sent.
/// </summary>
internal sealed class OriginalNodeStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OriginalNodeStub(WebApplication app) => _app = app;

    public ConcurrentQueue<(string ContentType, string Body)> Bodies { get; } = new();

    public Uri Address { get; private set; } = null!;

    public static async Task<OriginalNodeStub> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var stub = new OriginalNodeStub(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        stub.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return stub;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/mesh/ping")
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(
                """{"node_id":"79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664","version":"0.1.0","uptime_secs":5,"staged_count":0}""");
            return;
        }
        if (context.Request.Path == "/mesh/signal" && context.Request.ContentType == "application/json")
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            Bodies.Enqueue((context.Request.ContentType, await reader.ReadToEndAsync()));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"accepted":true,"action":"watchlisted"}""");
            return;
        }
        context.Response.StatusCode = context.Request.Path == "/mesh/signal" ? 415 : 404;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

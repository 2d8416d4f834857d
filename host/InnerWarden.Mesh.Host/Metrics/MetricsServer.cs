using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Metrics;

/// <summary>
/// Serves one node's <see cref="MeshMetrics"/> as <c>GET /metrics</c> (Prometheus text format) on its own small
/// Kestrel server, apart from the mesh transport so it can stay on loopback while the transport faces peers.
/// Does nothing when <see cref="MetricsOptions.Enabled"/> is false.
/// </summary>
internal sealed partial class MetricsServer : IAsyncDisposable
{
    /// <summary>The one path served.</summary>
    public const string Path = "/metrics";

    /// <summary>Prometheus text exposition format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MetricsOptions _options;
    private readonly MeshMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<MetricsServer> _logger;
    private readonly IPEndPoint _endpoint;
    private WebApplication? _app;

    /// <summary>
    /// A server for <paramref name="metrics"/> configured by <paramref name="options"/>; call <see cref="StartAsync"/>.
    /// Throws <see cref="ArgumentException"/> naming the value when <c>metrics.bind</c> is not host:port.
    /// </summary>
    public MetricsServer(MetricsOptions options, MeshMetrics metrics, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _metrics = metrics;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MetricsServer>();
        if (!options.TryGetEndpoint(out var endpoint, out var error))
        {
            throw new ArgumentException(error, nameof(options));
        }
        _endpoint = endpoint;
    }

    /// <summary>The address actually listened on (the real port when the config asked for port 0); null when not running.</summary>
    public Uri? Address { get; private set; }

    /// <summary>Starts listening (nothing when disabled). Throws <see cref="IOException"/> naming the address when it is taken.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled();
            return;
        }
        if (_app is not null)
        {
            throw new InvalidOperationException("The metrics server is already running.");
        }
        var endpoint = _endpoint;
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            LogNotLoopback(_options.Bind);
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "innerwarden-metrics" });
        // Kestrel's own messages go to the node's logging, not to a console the empty builder would not have anyway.
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(endpoint);
        });
        var app = builder.Build();
        app.Run(ServeAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"metrics.bind: cannot listen on '{_options.Bind}': {ex.Message}", ex);
        }
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        Address = addresses?.Select(a => new Uri(a)).FirstOrDefault() ?? new Uri($"http://{endpoint}");
        LogListening(Address, Path);
    }

    /// <summary>Stops listening; a scrape in progress gets until <paramref name="cancellationToken"/> to finish.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var app = _app;
        if (app is null)
        {
            return;
        }
        _app = null;
        Address = null;
        try
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!string.Equals(request.Path.Value, Path, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsHead(request.Method))
        {
            return;
        }
        try
        {
            await _metrics.Registry.CollectAndExportAsTextAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The scraper went away; nothing to answer.
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Metrics endpoint listening on {Address}{Path}")]
    private partial void LogListening(Uri address, string path);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning,
        Message = "metrics.bind '{Bind}' is not a loopback address: anyone who can reach it can read peer names, trust and block counts; restrict it with a firewall")]
    private partial void LogNotLoopback(string bind);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Metrics endpoint disabled (metrics.enabled: false)")]
    private partial void LogDisabled();
}

using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.Host.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>Runs one <see cref="MeshNode"/> for the life of the generic host: composes it at start, stops and disposes it at shutdown.</summary>
internal sealed partial class MeshNodeService(
    MeshConfig config,
    string dataDirectory,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    ILogger<MeshNodeService> logger) : IHostedService, IAsyncDisposable
{
    private ComposedNode? _composed;
    private MeshNode? _node;
    private MetricsServer? _metricsServer;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _composed = await NodeComposer.ComposeAsync(config, dataDirectory, new NodeCompositionOptions(time, loggerFactory), cancellationToken);
        var parts = _composed.Parts;
        if (config.Metrics.Enabled)
        {
            var metrics = new MeshMetrics(parts.Identity.NodeId, InboundPipeline.NodeVersion, loggerFactory.CreateLogger<MeshMetrics>());
            _metricsServer = new MetricsServer(config.Metrics, metrics, loggerFactory);
            await _metricsServer.StartAsync(cancellationToken);
            parts = parts with { Metrics = metrics };
        }
        _node = new MeshNode(parts);
        await _node.StartAsync(cancellationToken);
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogStarted(logger, _node.NodeId, config.Bind, string.Join(", ", _composed.Plugins.Select(p => $"{p.Name} {p.Metadata.Version}")));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is not null)
        {
            LogStopping(logger, _node.NodeId);
            await _node.StopAsync(cancellationToken);
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
            _node = null;
        }
        if (_metricsServer is not null)
        {
            await _metricsServer.DisposeAsync();
            _metricsServer = null;
        }
        if (_composed is not null)
        {
            await _composed.DisposeAsync();
            _composed = null;
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "mesh node {NodeId} started on {Bind} with plugins: {Plugins}")]
    private static partial void LogStarted(ILogger logger, string nodeId, string bind, string plugins);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "mesh node {NodeId} stopping")]
    private static partial void LogStopping(ILogger logger, string nodeId);
}

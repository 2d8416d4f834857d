using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Metrics;
using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Plugins;
using InnerWarden.Mesh.Host.Text;
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
            LogStarted(logger, _node.NodeId, Listening(parts), Enforcer(parts), parts.Detectors.Count == 0 ? "none" : string.Join(", ", parts.Detectors.Select(d => d.Name)),
                Counted.Of(parts.Settings.Peers.Count, "configured peer", "configured peers"), Counted.Of(_node.RestoredEntries, "staged entry", "staged entries"), _metricsServer?.Address is { } metricsAt ? metricsAt.ToString() : "off",
                string.Join(", ", _composed.Plugins.Select(p => $"{p.Name} {p.Metadata.Version}")));
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

    /// <summary>Where peers reach this node: the transport's real address (scheme included, so TLS shows), or the configured bind.</summary>
    private string Listening(MeshNodeParts parts) =>
        parts.Transport is null ? "no transport" : parts.Transport.ListenAddress?.ToString() ?? config.Bind;

    /// <summary>The enforcer in force, and that <c>auto</c> chose it (the probe's own line is at debug).</summary>
    private string Enforcer(MeshNodeParts parts) =>
        config.Plugins.Enforcer == PluginSelection.Auto ? $"{parts.Enforcer.Name} (auto)" : parts.Enforcer.Name;

    // The one start-up line at the default level (issue 14: a quiet journal): the plugins' own start-up lines are debug.
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "mesh node {NodeId} started: listening on {Listening}, enforcer {Enforcer}, detectors {Detectors}, {Peers}, {Staged} restored, metrics {Metrics}; plugins: {Plugins}")]
    private static partial void LogStarted(ILogger logger, string nodeId, string listening, string enforcer, string detectors, string peers, string staged, string metrics, string plugins);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "mesh node {NodeId} stopping")]
    private static partial void LogStopping(ILogger logger, string nodeId);
}

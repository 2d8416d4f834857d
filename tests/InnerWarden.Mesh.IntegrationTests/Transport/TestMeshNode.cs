using System.Text.Json;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>
/// One full node of a <see cref="TestMesh"/>: its data dir and loopback port outlive the running node, so it can be
/// stopped and started again as the same peer (same identity, same state file, same port).
/// </summary>
internal sealed class TestMeshNode
{
    private readonly Func<MeshConfig> _config;
    private ComposedNode? _composed;
    private MeshNode? _node;

    public TestMeshNode(TestNodeSpec spec, int port, string dataDirectory, string nodeId, Func<MeshConfig> config)
    {
        Spec = spec;
        Port = port;
        DataDirectory = dataDirectory;
        NodeId = nodeId;
        _config = config;
    }

    public TestNodeSpec Spec { get; }

    public string Name => Spec.Name;

    public int Port { get; }

    public string DataDirectory { get; }

    public string NodeId { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public TimeProvider Time => Spec.Time ?? TimeProvider.System;

    public bool IsRunning => _node is not null;

    public MeshNode Node => _node ?? throw new InvalidOperationException($"node {Name} is stopped");

    public ComposedNode Composed => _composed ?? throw new InvalidOperationException($"node {Name} is stopped");

    /// <summary>The composed http transport (its peer links show what is still undelivered).</summary>
    public IMeshTransport Transport => Composed.Parts.Transport ?? throw new InvalidOperationException($"node {Name} has no transport");

    /// <summary>Composes the node from its config with the real built plugins and starts it on its port.</summary>
    public async Task StartAsync()
    {
        if (_node is not null)
        {
            throw new InvalidOperationException($"node {Name} is already running");
        }
        var composed = NodeComposer.Compose(_config(), DataDirectory, new NodeCompositionOptions(Spec.Time, Spec.Logs));
        var node = new MeshNode(Spec.Metrics is null ? composed.Parts : composed.Parts with { Metrics = Spec.Metrics });
        try
        {
            await node.StartAsync(CancellationToken.None);
        }
        catch
        {
            await node.DisposeAsync();
            await composed.DisposeAsync();
            throw;
        }
        _composed = composed;
        _node = node;
    }

    /// <summary>Stops and disposes the running node (port released, state written); data dir and port stay reserved for a restart.</summary>
    public async Task StopAsync()
    {
        var node = _node;
        var composed = _composed;
        _node = null;
        _composed = null;
        if (node is not null)
        {
            await node.DisposeAsync();
        }
        if (composed is not null)
        {
            await composed.DisposeAsync();
        }
    }

    /// <summary>The audit lines written so far (after flushing the running node), parsed.</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditLinesAsync()
    {
        if (_node is not null)
        {
            await _node.FlushAsync();
        }
        var lines = new List<JsonElement>();
        foreach (var file in AuditLog.Files(DataDirectory))
        {
            // The node keeps the file open for appending; read it alongside.
            using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length > 0)
                {
                    using var document = JsonDocument.Parse(line);
                    lines.Add(document.RootElement.Clone());
                }
            }
        }
        return lines;
    }

    /// <summary>
    /// What a refused signal must not change, as text to compare before and after: staged entries, reputations
    /// (trust, counts, quarantine), the remembered count and the blocks the enforcer holds (after a flush).
    /// </summary>
    public async Task<string> StateTextAsync()
    {
        await Node.FlushAsync();
        var snapshot = Node.Snapshot();
        var staged = snapshot.Staged
            .OrderBy(e => e.Ip.ToString(), StringComparer.Ordinal)
            .Select(e => FormattableString.Invariant($"{e.Ip} {e.Action} {e.Score:F4} {e.ExpiresAt:O} {string.Join(',', e.Contributors)} {e.Confirmed}"));
        var peers = snapshot.Reputations
            .OrderBy(r => r.NodeId, StringComparer.Ordinal)
            .Select(r => FormattableString.Invariant($"{r.NodeId} {r.Trust:F4} {r.SignalsReceived} {r.Confirmed} {r.Contradicted} {r.QuarantinedUntil:O}"));
        var applied = (await Composed.Parts.Enforcer.ListAsync(CancellationToken.None))
            .Select(b => b.Ip.ToString())
            .Order(StringComparer.Ordinal);
        return string.Join('\n', [.. staged, .. peers, "remembered " + snapshot.RememberedCount.ToString(System.Globalization.CultureInfo.InvariantCulture), .. applied]);
    }
}

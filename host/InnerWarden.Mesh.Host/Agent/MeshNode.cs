// PLACEHOLDER: the pipeline branch owns this file
namespace InnerWarden.Mesh.Host.Agent;

/// <summary>One running mesh node (placeholder: starts the enforcer and nothing else).</summary>
internal sealed class MeshNode : IAsyncDisposable
{
    private readonly MeshNodeParts _parts;

    public MeshNode(MeshNodeParts parts)
    {
        _parts = parts;
    }

    public string NodeId => _parts.Identity.NodeId;

    public Task StartAsync(CancellationToken ct) => _parts.Enforcer.InitializeAsync(ct);

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

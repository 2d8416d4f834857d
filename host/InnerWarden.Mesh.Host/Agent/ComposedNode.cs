using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>A node's parts and the service provider that owns its plugin instances; disposing it disposes them and the identity.</summary>
/// <param name="Parts">What <see cref="MeshNode"/> is built from.</param>
/// <param name="Services">The node's own service provider (one per node, nothing shared between nodes).</param>
/// <param name="Plugins">The plugins selected for this node.</param>
internal sealed record ComposedNode(MeshNodeParts Parts, ServiceProvider Services, IReadOnlyList<LoadedPlugin> Plugins) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Parts.Identity.Dispose();
    }
}

using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>
/// The one entry class of a plugin assembly. Export it with <see cref="MeshPluginAttribute"/>; the host
/// reads the metadata first and constructs the entry only when the config selects the plugin.
/// </summary>
public interface IMeshPlugin
{
    /// <summary>Registers the plugin's parts (its contract implementation and helpers) into the host's services.</summary>
    void Register(IServiceCollection services, PluginContext context);
}

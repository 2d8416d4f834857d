using Microsoft.Extensions.DependencyInjection;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>
/// The one entry class of a plugin assembly. Export it with <see cref="MeshPluginAttribute"/>; the host
/// reads the metadata first and constructs the entry only when the config selects the plugin (or to document it).
/// </summary>
public interface IMeshPlugin
{
    /// <summary>Registers the plugin's parts (its contract implementation and helpers) into the host's services.</summary>
    void Register(IServiceCollection services, PluginContext context);

    /// <summary>
    /// Every key the plugin accepts under <c>plugin_settings.&lt;name&gt;</c>. The host refuses any other key and any value
    /// that does not fit its definition, with the config file's line and column, before <see cref="Register"/> runs; the
    /// settings docs (README table, commented mesh.yaml) are generated from this list. None by default.
    /// </summary>
    IReadOnlyList<PluginSettingDefinition> Settings => [];

    /// <summary>
    /// The plugin's own rules across its settings (e.g. <c>watchlist_at &lt;= block_short_at</c>), run by the host on values
    /// that already fit their definitions; each problem is reported with the position of the key it names. None by default.
    /// </summary>
    IReadOnlyList<PluginSettingProblem> CheckSettings(PluginSettingValues values) => [];
}

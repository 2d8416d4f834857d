namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>What the host tells a selected plugin when it registers.</summary>
/// <param name="Name">The plugin's name as selected in config.</param>
/// <param name="Directory">The folder the plugin was loaded from.</param>
/// <param name="Settings">
/// The plugin's own section of <c>plugin_settings</c> as text (a list's items joined by commas), empty when absent. The host
/// has checked it against <see cref="IMeshPlugin.Settings"/>; read it typed with <see cref="PluginSettingValues.Parse"/>.
/// </param>
/// <param name="Node">The node-wide settings every plugin may read.</param>
public sealed record PluginContext(
    string Name,
    string Directory,
    IReadOnlyDictionary<string, string> Settings,
    NodeSettings Node);

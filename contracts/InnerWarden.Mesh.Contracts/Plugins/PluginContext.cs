namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>What the host tells a selected plugin when it registers.</summary>
/// <param name="Name">The plugin's name as selected in config.</param>
/// <param name="Directory">The folder the plugin was loaded from.</param>
/// <param name="Settings">The plugin's own section of <c>plugin_settings</c> in the config (flat string values), empty when absent.</param>
/// <param name="Node">The node-wide settings every plugin may read.</param>
public sealed record PluginContext(
    string Name,
    string Directory,
    IReadOnlyDictionary<string, string> Settings,
    NodeSettings Node);

using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>A plugin export found in a folder: its metadata, and the entry class not yet constructed.</summary>
/// <param name="Metadata">Kind, name, version and OS, read without constructing anything.</param>
/// <param name="Directory">The folder it was loaded from.</param>
/// <param name="Export">The lazy MEF export; reading <c>Value</c> constructs the entry class.</param>
internal sealed record DiscoveredPlugin(PluginMetadata Metadata, string Directory, Lazy<IMeshPlugin, PluginMetadata> Export)
{
    /// <summary>Whether the entry class has been constructed.</summary>
    public bool IsConstructed => Export.IsValueCreated;

    /// <summary>How errors and logs name it, e.g. <c>enforcer 'log-only' (/opt/innerwarden/plugins/X)</c>.</summary>
    public string Describe() => $"{PluginKinds.Display(Metadata.Kind)} '{Metadata.Name}' ({Directory})";
}

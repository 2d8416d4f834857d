using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>A selected plugin with its entry class constructed, ready to register.</summary>
/// <param name="Metadata">Kind, name, version and OS.</param>
/// <param name="Directory">The folder it was loaded from.</param>
/// <param name="Entry">The constructed entry class.</param>
internal sealed record LoadedPlugin(PluginMetadata Metadata, string Directory, IMeshPlugin Entry)
{
    public PluginKind Kind => Metadata.Kind;

    public string Name => Metadata.Name;

    /// <summary>How errors and logs name it.</summary>
    public string Describe() => $"{PluginKinds.Display(Metadata.Kind)} '{Metadata.Name}' ({Directory})";
}

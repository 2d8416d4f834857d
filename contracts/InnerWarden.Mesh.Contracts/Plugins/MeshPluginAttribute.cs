using System.Composition;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>Exports a plugin entry class with the metadata the host reads before constructing it.</summary>
[MetadataAttribute]
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class MeshPluginAttribute : ExportAttribute
{
    /// <summary>Exports the decorated class as an <see cref="IMeshPlugin"/> of the given kind and name.</summary>
    public MeshPluginAttribute(PluginKind kind, string name, string version)
        : base(typeof(IMeshPlugin))
    {
        Kind = kind;
        Name = name;
        Version = version;
    }

    /// <summary>The concern the plugin fills.</summary>
    public PluginKind Kind { get; }

    /// <summary>The name config uses to select the plugin, e.g. <c>nftables</c>.</summary>
    public string Name { get; }

    /// <summary>The plugin's own version.</summary>
    public string Version { get; }

    /// <summary>Comma-separated OS names the plugin runs on (<c>linux</c>, <c>windows</c>, <c>osx</c>) or <c>any</c>.</summary>
    public string SupportedOS { get; set; } = "any";
}

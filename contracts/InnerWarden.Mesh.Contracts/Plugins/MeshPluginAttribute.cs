using System.Composition;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>Exports a plugin entry class with the metadata the host reads before constructing it.</summary>
[MetadataAttribute]
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class MeshPluginAttribute : ExportAttribute
{
    /// <summary>Exports the decorated class as an <see cref="IMeshPlugin"/> of the given kind and name.</summary>
    /// <param name="kind">The concern the plugin fills.</param>
    /// <param name="name">The name config selects it by.</param>
    /// <param name="abiVersion">Always <see cref="MeshAbi.Version"/>: the constant is compiled into the plugin, so the host learns which contracts it was built against.</param>
    public MeshPluginAttribute(PluginKind kind, string name, int abiVersion)
        : base(typeof(IMeshPlugin))
    {
        Kind = kind;
        Name = name;
        AbiVersion = abiVersion;
    }

    /// <summary>The concern the plugin fills.</summary>
    public PluginKind Kind { get; }

    /// <summary>The name config uses to select the plugin, e.g. <c>nftables</c>.</summary>
    public string Name { get; }

    /// <summary>The contracts ABI the plugin was compiled against (<see cref="MeshAbi.Version"/> at its build).</summary>
    public int AbiVersion { get; }

    /// <summary>
    /// For enforcers: where <c>enforcer: auto</c> tries this one, highest first among those that run on this OS; 0 (the
    /// default) means auto never picks it. The plugin's own version is its assembly's version; it is not repeated here.
    /// </summary>
    public int AutoPriority { get; set; }

    /// <summary>Comma-separated OS names the plugin runs on (<c>linux</c>, <c>windows</c>, <c>osx</c>) or <c>any</c>.</summary>
    public string SupportedOS { get; set; } = "any";
}

using System.ComponentModel;

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>The metadata view of a <see cref="MeshPluginAttribute"/> export, read without constructing the plugin.</summary>
public sealed class PluginMetadata
{
    /// <summary>The concern the plugin fills.</summary>
    public PluginKind Kind { get; set; }

    /// <summary>The name config uses to select the plugin.</summary>
    public string Name { get; set; } = "";

    /// <summary>The plugin's own version: its assembly's informational version, filled in by the host.</summary>
    [DefaultValue("")]
    public string Version { get; set; } = "";

    /// <summary>The contracts ABI the plugin was compiled against.</summary>
    public int AbiVersion { get; set; }

    /// <summary>Where <c>enforcer: auto</c> tries the plugin, highest first; 0 means never.</summary>
    [DefaultValue(0)]
    public int AutoPriority { get; set; }

    /// <summary>Comma-separated OS names or <c>any</c>.</summary>
    public string SupportedOS { get; set; } = "any";

    /// <summary>True when <see cref="SupportedOS"/> includes the OS this process runs on.</summary>
    public bool SupportsCurrentOS()
    {
        foreach (var os in SupportedOS.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (os.Equals("any", StringComparison.OrdinalIgnoreCase) || OperatingSystem.IsOSPlatform(os))
            {
                return true;
            }
        }
        return false;
    }
}

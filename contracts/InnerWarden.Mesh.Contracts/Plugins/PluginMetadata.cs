namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>The metadata view of a <see cref="MeshPluginAttribute"/> export, read without constructing the plugin.</summary>
public sealed class PluginMetadata
{
    /// <summary>The concern the plugin fills.</summary>
    public PluginKind Kind { get; set; }

    /// <summary>The name config uses to select the plugin.</summary>
    public string Name { get; set; } = "";

    /// <summary>The plugin's own version.</summary>
    public string Version { get; set; } = "";

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

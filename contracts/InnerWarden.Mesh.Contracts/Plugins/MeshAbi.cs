namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>
/// The binary interface between the host and its plugins. A plugin passes <see cref="Version"/> to its
/// <see cref="MeshPluginAttribute"/>; because it is a constant, the number the plugin was compiled against is baked into
/// the plugin's assembly, and the host refuses a plugin whose number it does not support, with a message naming both.
/// </summary>
/// <remarks>
/// The number goes up with every breaking change of these contracts (a member removed or renamed, a signature of an
/// interface plugins implement or call changed, a record's shape changed); additions that old plugins do not see keep it.
/// </remarks>
public static class MeshAbi
{
    /// <summary>The contracts ABI of this assembly.</summary>
    public const int Version = 1;

    /// <summary>The oldest plugin ABI this host still loads.</summary>
    public const int MinimumSupported = 1;

    /// <summary>True when a plugin compiled against ABI <paramref name="pluginAbi"/> can be loaded by this host.</summary>
    public static bool IsSupported(int pluginAbi) => pluginAbi >= MinimumSupported && pluginAbi <= Version;
}

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>A plugin could not be found, loaded, constructed or registered. The message names the plugin and its folder.</summary>
internal sealed class PluginLoadException : Exception
{
    public PluginLoadException(string message) : base(message)
    {
    }

    public PluginLoadException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

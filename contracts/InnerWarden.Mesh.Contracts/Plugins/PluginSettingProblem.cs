namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>Something wrong with a plugin's settings, found by the host or by the plugin's own rules.</summary>
/// <param name="Key">The setting it concerns, e.g. <c>block_full_at</c>; <c>name[2]</c> for an item of a list; empty for the whole section.</param>
/// <param name="Problem">What is wrong and what is expected, without the key (the host adds the key and the config file position).</param>
public sealed record PluginSettingProblem(string Key, string Problem);

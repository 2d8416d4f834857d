namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>Which plugin fills each kind, by name (config <c>plugins:</c>).</summary>
/// <param name="Transport">The transport, or <c>none</c> for a node without networking.</param>
/// <param name="Trust">The trust policy.</param>
/// <param name="Staging">The staging pool.</param>
/// <param name="Enforcer">The firewall enforcer, or <c>auto</c> to pick one for this machine.</param>
/// <param name="Detectors">The detection sources, any number.</param>
internal sealed record PluginSelection(string Transport, string Trust, string Staging, string Enforcer, IReadOnlyList<string> Detectors)
{
    /// <summary>The transport name meaning "no transport".</summary>
    public const string None = "none";

    /// <summary>The enforcer name meaning "pick the best backend for this machine".</summary>
    public const string Auto = "auto";

    /// <summary>The enforcer <c>auto</c> falls back to.</summary>
    public const string LogOnly = "log-only";

    /// <summary>The shipped defaults.</summary>
    public static PluginSelection Default { get; } = new("http", "tit-for-tat", "threshold", Auto, []);
}

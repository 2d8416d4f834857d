using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Contracts.Trust;

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>What the host knows about each plugin kind.</summary>
internal static class PluginKinds
{
    /// <summary>The kind as config and messages spell it (lowercase).</summary>
    public static string Display(PluginKind kind) => kind switch
    {
        PluginKind.Detector => "detector",
        PluginKind.Transport => "transport",
        PluginKind.Trust => "trust",
        PluginKind.Staging => "staging",
        PluginKind.Enforcer => "enforcer",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The kind with its article, for messages: <c>an enforcer</c>, <c>a detector</c>.</summary>
    public static string WithArticle(PluginKind kind) =>
        kind == PluginKind.Enforcer ? "an enforcer" : "a " + Display(kind);

    /// <summary>The contract a plugin of this kind must register.</summary>
    public static Type ServiceType(PluginKind kind) => kind switch
    {
        PluginKind.Detector => typeof(IDetectionSource),
        PluginKind.Transport => typeof(IMeshTransport),
        PluginKind.Trust => typeof(ITrustPolicy),
        PluginKind.Staging => typeof(IStagingPool),
        PluginKind.Enforcer => typeof(IFirewallEnforcer),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown plugin kind"),
    };
}

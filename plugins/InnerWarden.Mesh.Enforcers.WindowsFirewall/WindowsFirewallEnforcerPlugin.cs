using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>The <c>windows-firewall</c> enforcer: inbound block rules of up to 1000 addresses through INetFwPolicy2.</summary>
[MeshPlugin(PluginKind.Enforcer, "windows-firewall", MeshAbi.Version, SupportedOS = "windows", AutoPriority = 200)]
public sealed class WindowsFirewallEnforcerPlugin : IMeshPlugin
{
    /// <inheritdoc />
    /// <remarks>None: any key under its <c>plugin_settings</c> section is refused.</remarks>
    public IReadOnlyList<PluginSettingDefinition> Settings => [];

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        services.AddSingleton<IFirewallEnforcer>(sp =>
        {
            if (!OperatingSystem.IsWindows())
            {
                throw new EnforcerException("windows-firewall: the Windows Firewall exists only on Windows; choose nftables, iptables or log-only");
            }
            return new WindowsFirewallEnforcer(new ComWindowsFirewallApi(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WindowsFirewallEnforcer>>());
        });
    }
}

using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Trust;
using Microsoft.Extensions.DependencyInjection;
using MyPlugin;

namespace MyPlugin.Tests;

public sealed class FixedTrustPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_signal_weighs_the_configured_trust_times_its_confidence()
    {
        var policy = Registered(new Dictionary<string, string> { ["trust"] = "0.6" });
        var peer = policy.Create(new string('a', 64), vouchedTrust: null, Now);
        Assert.Equal(0.6, peer.Trust);
        Assert.Equal(0.3, policy.Weigh(peer, 0.5f, Now), precision: 9);
    }

    [Fact]
    public void A_quarantined_peer_weighs_nothing()
    {
        var policy = Registered(new Dictionary<string, string>());
        var peer = policy.Create(new string('b', 64), 0.9, Now) with { QuarantinedUntil = Now.AddHours(1) };
        Assert.Equal(0, policy.Weigh(peer, 1f, Now));
    }

    [Fact]
    public void A_bad_setting_stops_the_registration_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => Registered(new Dictionary<string, string> { ["trust"] = "lots" }));
        Assert.Contains("plugin_settings.myplugin.trust", error.Message, StringComparison.Ordinal);
    }

    private static ITrustPolicy Registered(Dictionary<string, string> settings)
    {
        var services = new ServiceCollection();
        var node = new NodeSettings("127.0.0.1:0", Path.GetTempPath(), TimeSpan.FromSeconds(30), true, 50, 10000, 0.5, [], []);
        new PluginEntry().Register(services, new PluginContext("myplugin", AppContext.BaseDirectory, settings, node));
        return services.BuildServiceProvider().GetRequiredService<ITrustPolicy>();
    }
}

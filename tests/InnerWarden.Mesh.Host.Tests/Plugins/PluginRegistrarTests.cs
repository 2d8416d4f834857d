using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Trust;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace InnerWarden.Mesh.Host.Tests.Plugins;

public sealed class PluginRegistrarTests
{
    private static readonly NodeSettings Node = MeshConfig.Default.ToNodeSettings("/data");

    private static LoadedPlugin Plugin(PluginKind kind, string name, Action<IServiceCollection, PluginContext> register, params PluginSettingDefinition[] settings)
    {
        var entry = new Mock<IMeshPlugin>();
        entry.Setup(e => e.Register(It.IsAny<IServiceCollection>(), It.IsAny<PluginContext>())).Callback(register);
        entry.Setup(e => e.Settings).Returns(settings);
        return new LoadedPlugin(new PluginMetadata { Kind = kind, Name = name, Version = "1" }, $"/plugins/{name}", entry.Object);
    }

    private static List<LoadedPlugin> Core() =>
    [
        Plugin(PluginKind.Trust, "trust", (s, _) => s.AddSingleton(Mock.Of<ITrustPolicy>())),
        Plugin(PluginKind.Staging, "staging", (s, _) => s.AddSingleton(Mock.Of<IStagingPool>())),
        Plugin(PluginKind.Enforcer, "enforcer", (s, _) => s.AddSingleton(Mock.Of<IFirewallEnforcer>())),
    ];

    [Fact]
    public void Each_plugin_gets_its_own_settings_and_the_node_settings()
    {
        PluginContext? seen = null;
        var plugins = Core();
        plugins.Add(Plugin(PluginKind.Detector, "sshd", (s, c) => { seen = c; s.AddSingleton(Mock.Of<IDetectionSource>()); },
            PluginSettingDefinition.FilePath("log_path", null, "the log")));
        var settings = new Dictionary<string, string> { ["log_path"] = "/var/log/auth.log" };

        PluginRegistrar.Register(new ServiceCollection(), plugins, Node, name => name == "sshd" ? settings : new Dictionary<string, string>());

        Assert.NotNull(seen);
        Assert.Equal(new PluginContext("sshd", "/plugins/sshd", settings, Node), seen);
    }

    [Fact]
    public void Resolve_returns_every_contract_and_no_transport_when_none_was_selected()
    {
        var services = new ServiceCollection();
        var plugins = Core();
        plugins.Add(Plugin(PluginKind.Detector, "a", (s, _) => s.AddSingleton(Mock.Of<IDetectionSource>())));
        plugins.Add(Plugin(PluginKind.Detector, "b", (s, _) => s.AddSingleton(Mock.Of<IDetectionSource>())));
        PluginRegistrar.Register(services, plugins, Node, _ => new Dictionary<string, string>());

        var resolved = PluginRegistrar.Resolve(services.BuildServiceProvider(), plugins);

        Assert.Null(resolved.Transport);
        Assert.Equal(2, resolved.Detectors.Count);
        Assert.NotNull(resolved.Enforcer);
    }

    [Fact]
    public void Register_that_throws_names_the_plugin_and_folder()
    {
        var plugins = new List<LoadedPlugin> { Plugin(PluginKind.Trust, "grumpy", (_, _) => throw new InvalidOperationException("no")) };

        var e = Assert.Throws<PluginLoadException>(() => PluginRegistrar.Register(new ServiceCollection(), plugins, Node, _ => new Dictionary<string, string>()));

        Assert.Equal("trust 'grumpy' (/plugins/grumpy) failed to register: InvalidOperationException: no", e.Message);
    }

    [Fact]
    public void A_setting_the_plugin_does_not_declare_stops_registration_before_the_plugin_sees_it()
    {
        var registered = false;
        var plugins = new List<LoadedPlugin>
        {
            Plugin(PluginKind.Detector, "sshd", (s, _) => registered = true, PluginSettingDefinition.WholeNumber("max_failures", 5, 1, 256, "failures")),
        };
        var settings = new Dictionary<string, string> { ["max_failure"] = "3" };

        var e = Assert.Throws<PluginLoadException>(() => PluginRegistrar.Register(new ServiceCollection(), plugins, Node, _ => settings));

        Assert.False(registered);
        Assert.Equal("detector 'sshd' (/plugins/sshd) failed to register: ArgumentException: plugin_settings.sshd.max_failure: unknown setting; expected one of: max_failures", e.Message);
    }

    [Fact]
    public void Registration_without_the_kinds_contract_is_an_error()
    {
        var plugins = new List<LoadedPlugin> { Plugin(PluginKind.Staging, "empty", (s, _) => s.AddSingleton(Mock.Of<ITrustPolicy>())) };

        var e = Assert.Throws<PluginLoadException>(() => PluginRegistrar.Register(new ServiceCollection(), plugins, Node, _ => new Dictionary<string, string>()));

        Assert.Equal("staging 'empty' (/plugins/empty) registered no IStagingPool; a staging plugin must register one", e.Message);
    }

    [Fact]
    public void Service_that_throws_when_resolved_names_its_plugin()
    {
        var services = new ServiceCollection();
        var plugins = Core();
        plugins[2] = Plugin(PluginKind.Enforcer, "broken", (s, _) => s.AddSingleton<IFirewallEnforcer>(_ => throw new InvalidOperationException("no nft")));
        PluginRegistrar.Register(services, plugins, Node, _ => new Dictionary<string, string>());

        var e = Assert.Throws<PluginLoadException>(() => PluginRegistrar.Resolve(services.BuildServiceProvider(), plugins));

        Assert.Equal("enforcer 'broken' (/plugins/broken) failed to start: InvalidOperationException: no nft", e.Message);
    }

    [Fact]
    public void Default_selection_matches_the_documented_defaults()
    {
        Assert.Equal(("http", "tit-for-tat", "threshold", "auto"),
            (PluginSelection.Default.Transport, PluginSelection.Default.Trust, PluginSelection.Default.Staging, PluginSelection.Default.Enforcer));
        Assert.Empty(PluginSelection.Default.Detectors);
    }
}

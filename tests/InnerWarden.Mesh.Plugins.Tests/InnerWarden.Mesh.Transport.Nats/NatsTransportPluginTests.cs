using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Fixtures.Nats;
using InnerWarden.Mesh.Plugins.Tests.Transport.Http;
using InnerWarden.Mesh.Transport.Nats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Nats;

public sealed class NatsTransportPluginTests
{
    [Fact]
    public void Plugin_is_exported_as_the_nats_transport()
    {
        var export = Assert.Single(typeof(NatsTransportPlugin).GetCustomAttributes(typeof(MeshPluginAttribute), false).Cast<MeshPluginAttribute>());

        Assert.Equal((PluginKind.Transport, "nats"), (export.Kind, export.Name));
        Assert.Equal(typeof(IMeshPlugin), export.ContractType);
    }

    [Fact]
    public async Task Plugin_registers_a_transport_that_consumes_from_the_configured_servers()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        var node = TestNode.Settings("127.0.0.1:0", ".", null);
        var services = new ServiceCollection();
        services.AddSingleton(node);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        new NatsTransportPlugin().Register(services, new PluginContext("nats", ".", new Dictionary<string, string> { ["servers"] = servers.Urls }, node));

        await using var provider = services.BuildServiceProvider();
        var transport = provider.GetRequiredService<IMeshTransport>();
        var sink = new RecordingSink(NatsTestNode.NewNodeId());
        await transport.StartAsync(sink, CancellationToken.None);
        await transport.BroadcastAsync(NatsTestNode.Signal("185.230.0.1"), CancellationToken.None);

        await NatsTestNode.WaitUntilAsync(() => sink.Signals.Count == 1, "the signal to come back through the stream");
        Assert.Null(transport.ListenAddress);
        await transport.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Plugin_with_a_bad_setting_fails_at_registration_naming_it()
    {
        var node = TestNode.Settings("127.0.0.1:0", ".", null);

        var error = Assert.Throws<ArgumentException>(() => new NatsTransportPlugin().Register(new ServiceCollection(),
            new PluginContext("nats", ".", new Dictionary<string, string> { ["servers"] = "nats://nats1:4222", ["replicas"] = "three" }, node)));

        Assert.Equal("plugin_settings.nats.replicas: expected a whole number from 1 to 5, got 'three'", error.Message);
    }
}

using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Transport.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

public sealed class HttpTransportPluginTests
{
    [Fact]
    public async Task Plugin_registers_a_transport_that_serves_on_the_configured_bind()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("iw-plugin-").FullName;
        var node = TestNode.Settings("127.0.0.1:0", dataDirectory, null);
        var services = new ServiceCollection();
        services.AddSingleton(node);
        services.AddSingleton(TimeProvider.System);
        var files = new PlainDataFiles(dataDirectory);
        services.AddSingleton<IPrivateDataFiles>(files);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        new HttpTransportPlugin().Register(services, new PluginContext("http", ".", new Dictionary<string, string> { ["timeout_ms"] = "10000" }, node));

        await using (var provider = services.BuildServiceProvider())
        {
            var transport = provider.GetRequiredService<IMeshTransport>();
            await transport.StartAsync(new RecordingSink(), CancellationToken.None);
            var reply = await transport.PingAsync(transport.ListenAddress!, CancellationToken.None);
            Assert.Equal(TestSignals.NodeId, reply?.NodeId);
            // The default is HTTPS, its certificate written through the host's private-file writer.
            Assert.Equal("https", transport.ListenAddress!.Scheme);
            Assert.Equal(1, files.Writes);
        }
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public void Plugin_with_a_bad_setting_fails_at_registration_naming_it()
    {
        var node = TestNode.Settings("127.0.0.1:0", ".", null);

        var error = Assert.Throws<ArgumentException>(() => new HttpTransportPlugin().Register(new ServiceCollection(),
            new PluginContext("http", ".", new Dictionary<string, string> { ["outbox_capacity"] = "lots" }, node)));

        Assert.Contains("outbox_capacity", error.Message, StringComparison.Ordinal);
    }
}

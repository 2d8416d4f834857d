using InnerWarden.Mesh.Transport.Nats;
using InnerWarden.Mesh.Transport.Nats.Connection;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.NKeys;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Nats;

public sealed class NatsTransportOptionsTests
{
    [Fact]
    public void Defaults_need_only_the_servers()
    {
        var options = NatsTransportOptions.FromSettings(new Dictionary<string, string> { ["servers"] = "nats://nats1:4222, tls://nats2:4443" });

        Assert.Equal([new Uri("nats://nats1:4222"), new Uri("tls://nats2:4443")], options.Servers);
        Assert.Equal("nats://nats1:4222,tls://nats2:4443", options.ServerList);
        Assert.Equal("innerwarden.mesh.signals.v1", options.Subject);
        Assert.Equal("INNERWARDEN_MESH", options.Stream);
        Assert.Equal(1, options.Replicas);
        Assert.True(options.CatchUp);
        Assert.True(options.RandomizeServers);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Timeout);
        Assert.Equal(10_000, options.OutboxCapacity);
        Assert.Null(options.User);
        Assert.Null(options.CredsFile);
    }

    [Fact]
    public void Every_setting_is_read()
    {
        using var pair = KeyPair.CreatePair(PrefixByte.User);
        using var seed = new TempFile($"# made by nk -gen user\n{pair.GetSeed()}\n");
        using var ca = new TempFile("-----BEGIN CERTIFICATE-----");
        var options = NatsTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["servers"] = "nats://127.0.0.1:4222",
            ["subject"] = "fleet.a.signals",
            ["stream"] = "FLEET_A",
            ["replicas"] = "3",
            ["domain"] = "innerwarden",
            ["catch_up"] = "false",
            ["nkey_seed_file"] = seed.Path,
            ["tls_ca"] = ca.Path,
            ["randomize_servers"] = "false",
            ["timeout_ms"] = "750",
            ["outbox_capacity"] = "7",
        });

        Assert.Equal(("fleet.a.signals", "FLEET_A", 3, "innerwarden", false), (options.Subject, options.Stream, options.Replicas, options.Domain, options.CatchUp));
        Assert.Equal((seed.Path, ca.Path, false), (options.NKeySeedFile, options.TlsCa, options.RandomizeServers));
        Assert.Equal((pair.GetSeed(), pair.GetPublicKey()), (options.NKeySeed, options.NKeyPublic));
        Assert.Equal((TimeSpan.FromMilliseconds(750), 7), (options.Timeout, options.OutboxCapacity));
    }

    [Theory]
    [InlineData("servers", "http://nats1:4222", "plugin_settings.nats.servers[0]: expected a URL (nats://, tls://), got 'http://nats1:4222'")]
    [InlineData("servers", "nats1:4222", "plugin_settings.nats.servers[0]: expected a URL (nats://, tls://), got 'nats1:4222'")]
    [InlineData("servers", "nats://nats1:4222,nats://nats2", "plugin_settings.nats.servers[1]: 'nats://nats2' must name a port")]
    [InlineData("servers", "nats://nats1:4222/x", "plugin_settings.nats.servers[0]: 'nats://nats1:4222/x' must be only scheme, host and port")]
    [InlineData("servers", "nats://alice:secret@nats1:4222", "plugin_settings.nats.servers[0]: 'nats://***@nats1:4222' carries credentials")]
    [InlineData("servers", " , ", "plugin_settings.nats.servers: missing; the NATS servers to connect to are required")]
    [InlineData("subject", "innerwarden.*.signals", "plugin_settings.nats.subject: 'innerwarden.*.signals' must be a NATS subject without wildcards")]
    [InlineData("subject", "innerwarden..signals", "plugin_settings.nats.subject: 'innerwarden..signals' must be a NATS subject")]
    [InlineData("subject", "inner warden", "plugin_settings.nats.subject: 'inner warden' must be a NATS subject")]
    [InlineData("subject", "mesh.>", "plugin_settings.nats.subject: 'mesh.>' must be a NATS subject")]
    [InlineData("stream", "MESH.SIGNALS", "plugin_settings.nats.stream: 'MESH.SIGNALS' must be 1 - 64 letters, digits")]
    [InlineData("stream", "", "plugin_settings.nats.stream: '' must be 1 - 64")]
    [InlineData("replicas", "0", "plugin_settings.nats.replicas: expected a whole number from 1 to 5, got '0'")]
    [InlineData("replicas", "7", "plugin_settings.nats.replicas: expected a whole number from 1 to 5, got '7'")]
    [InlineData("domain", "hub.one", "plugin_settings.nats.domain: 'hub.one' must be 1 - 64 letters, digits")]
    [InlineData("catch_up", "sometimes", "plugin_settings.nats.catch_up: expected true or false, got 'sometimes'")]
    [InlineData("creds_file", "/nonexistent/nats.creds", "plugin_settings.nats.creds_file: '/nonexistent/nats.creds' cannot be read")]
    [InlineData("nkey_seed_file", "/nonexistent/seed", "plugin_settings.nats.nkey_seed_file: '/nonexistent/seed' cannot be read")]
    [InlineData("tls_ca", "/nonexistent/ca.pem", "plugin_settings.nats.tls_ca: '/nonexistent/ca.pem' cannot be read")]
    [InlineData("tls_ca", " ", "plugin_settings.nats.tls_ca: expected an absolute path, got ''")]
    [InlineData("tls_ca", "ca.pem", "plugin_settings.nats.tls_ca: expected an absolute path, got 'ca.pem'")]
    [InlineData("user", "", "plugin_settings.nats.user: '' must be a user name")]
    [InlineData("randomize_servers", "2", "plugin_settings.nats.randomize_servers: expected true or false, got '2'")]
    [InlineData("timeout_ms", "10", "plugin_settings.nats.timeout_ms: expected a whole number from 100 to 600000, got '10'")]
    [InlineData("outbox_capacity", "many", "plugin_settings.nats.outbox_capacity: expected a whole number from 0 to 10000000, got 'many'")]
    [InlineData("server", "nats://nats1:4222", "plugin_settings.nats.server: unknown setting; expected one of: servers,")]
    public void Bad_setting_is_an_error_naming_the_key_and_value(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string> { ["servers"] = "nats://nats1:4222", [key] = value };

        var error = Assert.Throws<ArgumentException>(() => NatsTransportOptions.FromSettings(settings));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4\n", "holds no user seed")]
    [InlineData("SUAMNOTASEED\n", "holds a user seed that does not decode")]
    public void Seed_file_without_a_usable_seed_is_refused(string content, string expected)
    {
        using var file = new TempFile(content);

        var error = Assert.Throws<ArgumentException>(() => NatsTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["servers"] = "nats://nats1:4222",
            ["nkey_seed_file"] = file.Path,
        }));

        Assert.StartsWith($"plugin_settings.nats.nkey_seed_file: '{file.Path}' {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Printed_options_hold_no_secret()
    {
        using var pair = KeyPair.CreatePair(PrefixByte.User);
        using var seed = new TempFile(pair.GetSeed());
        var withPassword = NatsTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["servers"] = "nats://nats1:4222",
            ["user"] = "node",
            ["password"] = "s3cret",
        });
        var withSeed = NatsTransportOptions.FromSettings(new Dictionary<string, string> { ["servers"] = "nats://nats1:4222", ["nkey_seed_file"] = seed.Path });

        Assert.DoesNotContain("s3cret", withPassword.ToString(), StringComparison.Ordinal);
        Assert.Contains("Auth = user", withPassword.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(pair.GetSeed(), withSeed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Servers_are_required()
    {
        var error = Assert.Throws<ArgumentException>(() => NatsTransportOptions.FromSettings(new Dictionary<string, string> { ["catch_up"] = "true" }));

        Assert.StartsWith("plugin_settings.nats.servers: missing; the NATS servers to connect to are required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_ways_to_authenticate_are_refused_naming_both()
    {
        using var creds = new TempFile("-----BEGIN NATS USER JWT-----");
        var error = Assert.Throws<ArgumentException>(() => NatsTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["servers"] = "nats://nats1:4222",
            ["creds_file"] = creds.Path,
            ["user"] = "node",
            ["password"] = "secret",
        }));

        Assert.Equal("plugin_settings.nats: creds_file and user are each a way to authenticate; set one of them", error.Message);
    }

    [Theory]
    [InlineData("user", "node", "plugin_settings.nats.user: 'node' is set without password")]
    [InlineData("password", "secret", "plugin_settings.nats.password: is set without user")]
    public void User_and_password_go_together(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => NatsTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["servers"] = "nats://nats1:4222",
            [key] = value,
        }));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_options_carry_the_servers_credentials_and_ca()
    {
        using var creds = new TempFile("-----BEGIN NATS USER JWT-----");
        using var ca = new TempFile("-----BEGIN CERTIFICATE-----");
        var options = NatsTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["servers"] = "tls://nats1:4443,tls://nats2:4443",
            ["creds_file"] = creds.Path,
            ["tls_ca"] = ca.Path,
            ["randomize_servers"] = "false",
            ["timeout_ms"] = "1500",
        });

        var client = MeshNatsConnection.ClientOptions(options, "innerwarden-mesh abc", NullLoggerFactory.Instance);

        Assert.Equal("tls://nats1:4443,tls://nats2:4443", client.Url);
        Assert.Equal("innerwarden-mesh abc", client.Name);
        Assert.Equal(creds.Path, client.AuthOpts.CredsFile);
        Assert.Equal(ca.Path, client.TlsOpts.CaFile);
        Assert.True(client.NoRandomize);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), client.RequestTimeout);
        Assert.True(client.RetryOnInitialConnect);
        Assert.Equal(-1, client.MaxReconnectRetry);
    }

    [Theory]
    [InlineData("innerwarden.mesh.signals.v1", "innerwarden.mesh.signals.v1", true)]
    [InlineData("innerwarden.mesh.>", "innerwarden.mesh.signals.v1", true)]
    [InlineData("innerwarden.*.signals.v1", "innerwarden.mesh.signals.v1", true)]
    [InlineData(">", "innerwarden.mesh.signals.v1", true)]
    [InlineData("innerwarden.mesh.signals.v2", "innerwarden.mesh.signals.v1", false)]
    [InlineData("innerwarden.mesh", "innerwarden.mesh.signals.v1", false)]
    [InlineData("innerwarden.mesh.signals.v1.x", "innerwarden.mesh.signals.v1", false)]
    public void Stream_subject_coverage_follows_nats_wildcards(string pattern, string subject, bool covered) =>
        Assert.Equal(covered, SignalStream.Covers(pattern, subject));

    private sealed class TempFile : IDisposable
    {
        public TempFile(string content)
        {
            Path = System.IO.Path.GetTempFileName();
            File.WriteAllText(Path, content);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}

using InnerWarden.Mesh.Host.Config;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Tests.Config;

public sealed class MeshConfigLoaderTests
{
    private const string Key = "abababababababababababababababababababababababababababababababab";

    private static ConfigException Bad(string yaml) =>
        Assert.Throws<ConfigException>(() => MeshConfigLoader.Parse(yaml, "/etc/innerwarden/mesh.yaml"));

    [Fact]
    public void Missing_file_means_every_default()
    {
        var config = MeshConfigLoader.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "mesh.yaml"));

        Assert.Same(MeshConfig.Default, config);
        Assert.False(config.Enabled);
        Assert.Equal("0.0.0.0:8790", config.Bind);
        Assert.Equal(30, config.PollSecs);
        Assert.True(config.AutoBroadcast);
        Assert.Equal(50, config.MaxSignalsPerHour);
        Assert.Equal(10_000, config.MaxStaged);
        Assert.Equal(200_000, config.MaxSeenSignals);
        Assert.Equal(0.85, config.InitialTrust);
        Assert.Empty(config.Peers);
        Assert.Empty(config.Allowlist);
        Assert.Equal(("http", "tit-for-tat", "threshold", "auto"), (config.Plugins.Transport, config.Plugins.Trust, config.Plugins.Staging, config.Plugins.Enforcer));
        Assert.Empty(config.Plugins.Detectors);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "plugins"), config.ResolvePluginDirectory());
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("~\n")]
    public void Empty_document_means_every_default(string yaml) =>
        Assert.Same(MeshConfig.Default, MeshConfigLoader.Parse(yaml, "mesh.yaml"));

    [Fact]
    public void Every_key_is_parsed()
    {
        var config = MeshConfigLoader.Parse($"""
            enabled: true
            bind: "127.0.0.1:9000"
            poll_secs: 5
            auto_broadcast: false
            max_signals_per_hour: 70
            max_staged: 500
            max_seen_signals: 5000
            initial_trust: 0.75
            data_dir: /srv/iw
            peers:
              - endpoint: https://a.example:8790
                public_key: {Key.ToUpperInvariant()}
                label: alpha
              - endpoint: http://10.0.0.2:8790
            allowlist: [10.0.0.0/8, "2001:db8::1", 192.0.2.7]
            plugins:
              directory: /opt/iw/plugins
              transport: none
              trust: bayesian
              staging: threshold
              enforcer: nftables
              detectors: [sshd, local-report]
            plugin_settings:
              sshd:
                log_path: /var/log/auth.log
                threshold: 5
            """, "mesh.yaml");

        Assert.True(config.Enabled);
        Assert.Equal("127.0.0.1:9000", config.Bind);
        Assert.Equal(5, config.PollSecs);
        Assert.False(config.AutoBroadcast);
        Assert.Equal(70, config.MaxSignalsPerHour);
        Assert.Equal(5000, config.MaxSeenSignals);
        Assert.Equal(500, config.MaxStaged);
        Assert.Equal(0.75, config.InitialTrust);
        Assert.Equal("/srv/iw", config.DataDirectory);
        Assert.Equal(2, config.Peers.Count);
        Assert.Equal(new Uri("https://a.example:8790"), config.Peers[0].Endpoint);
        Assert.Equal(Key, config.Peers[0].PublicKey);
        Assert.Equal("alpha", config.Peers[0].Label);
        Assert.Null(config.Peers[1].PublicKey);
        Assert.Null(config.Peers[1].Label);
        Assert.Equal(["10.0.0.0/8", "2001:db8::1", "192.0.2.7"], config.Allowlist);
        Assert.Equal("/opt/iw/plugins", config.ResolvePluginDirectory());
        Assert.Equal(("none", "bayesian", "threshold", "nftables"), (config.Plugins.Transport, config.Plugins.Trust, config.Plugins.Staging, config.Plugins.Enforcer));
        Assert.Equal(["sshd", "local-report"], config.Plugins.Detectors);
        Assert.Equal("/var/log/auth.log", config.SettingsFor("sshd")["log_path"]);
        Assert.Equal("5", config.SettingsFor("sshd")["threshold"]);
        Assert.Empty(config.SettingsFor("nftables"));

        var node = config.ToNodeSettings("/data");
        Assert.Equal("/data", node.DataDirectory);
        Assert.Equal(TimeSpan.FromSeconds(5), node.PollInterval);
        Assert.Equal(config.Peers, node.Peers);
    }

    [Fact]
    public void The_packaged_mesh_yaml_parses_to_the_defaults_and_shows_every_top_level_key()
    {
        var path = PackagedConfigPath();
        var text = File.ReadAllText(path);

        var config = MeshConfigLoader.Parse(text, path);

        Assert.False(config.Enabled);
        Assert.Equal(LogLevel.Information, config.LogLevel);
        Assert.False(config.Metrics.Enabled);
        Assert.All(MeshConfigLoader.TopLevelKeys, key => Assert.Matches($"(?m)^#?{key}:", text));
    }

    // packaging/mesh.yaml, copied into the test output by the project file: a CI build maps source paths to /_/, so a
    // test cannot find the repository from its own [CallerFilePath].
    private static string PackagedConfigPath() => Path.Combine(AppContext.BaseDirectory, "packaging", "mesh.yaml");

    [Theory]
    [InlineData("", LogLevel.Information)]
    [InlineData("log_level: debug\n", LogLevel.Debug)]
    [InlineData("log_level: Warning\n", LogLevel.Warning)]
    public void Log_level_defaults_to_information_and_takes_a_level_name(string yaml, LogLevel expected) =>
        Assert.Equal(expected, MeshConfigLoader.Parse(yaml, "/etc/innerwarden/mesh.yaml").LogLevel);

    [Theory]
    [InlineData("", 24)]
    [InlineData("late_confirmation_hours: 0\n", 0)]
    [InlineData("late_confirmation_hours: 72\n", 72)]
    public void Late_confirmation_hours_default_to_24_and_0_turns_them_off(string yaml, int expected) =>
        Assert.Equal(expected, MeshConfigLoader.Parse(yaml, "/etc/innerwarden/mesh.yaml").LateConfirmationHours);

    [Theory]
    [InlineData("enabled: true\nfoo: 1\n", 2, 1, "foo", "unknown key; expected one of: enabled, bind,")]
    [InlineData("enabled: yes-please\n", 1, 10, "enabled", "expected true or false, got 'yes-please'")]
    [InlineData("poll_secs: [1]\n", 1, 12, "poll_secs", "expected a single value, got a list")]
    [InlineData("poll_secs: 0\n", 1, 12, "poll_secs", "expected a number from 1 to 86400, got 0")]
    [InlineData("max_staged: lots\n", 1, 13, "max_staged", "expected a whole number, got 'lots'")]
    [InlineData("max_seen_signals: 99\n", 1, 19, "max_seen_signals", "expected a number from 100 to 10000000, got 99")]
    [InlineData("late_confirmation_hours: 721\n", 1, 26, "late_confirmation_hours", "expected a number from 0 to 720, got 721")]
    [InlineData("late_confirmation_hours: a day\n", 1, 26, "late_confirmation_hours", "expected a whole number, got 'a day'")]
    [InlineData("initial_trust: 1.5\n", 1, 16, "initial_trust", "expected a number from 0 to 1, got 1.5")]
    [InlineData("bind: nowhere\n", 1, 7, "bind", "expected host:port")]
    [InlineData("allowlist:\n  - 10.0.0.0/8\n  - 10.0.0.0/99\n", 3, 5, "allowlist[1]", "expected an IP address or CIDR")]
    [InlineData("allowlist: 10.0.0.1\n", 1, 12, "allowlist", "expected a list, got '10.0.0.1'")]
    [InlineData("peers:\n  - endpoint: ftp://x.example\n", 2, 15, "peers[0].endpoint", "expected an http:// or https:// URL, got scheme 'ftp'")]
    [InlineData("peers:\n  - endpoint: not a url\n", 2, 15, "peers[0].endpoint", "expected an absolute http:// or https:// URL")]
    [InlineData("peers:\n  - label: x\n", 2, 5, "peers[0].endpoint", "missing; every peer needs an endpoint URL")]
    [InlineData("peers:\n  - endpoint: https://a:1\n    colour: red\n", 3, 5, "peers[0].colour", "unknown key; expected one of: endpoint, public_key, label")]
    [InlineData("plugins:\n  enforcer: nftables\n  firewall: x\n", 3, 3, "plugins.firewall", "unknown key")]
    [InlineData("plugins:\n  detectors: [sshd, sshd]\n", 2, 21, "plugins.detectors[1]", "detector 'sshd' is listed twice")]
    [InlineData("plugin_settings:\n  sshd: [a]\n", 2, 9, "plugin_settings.sshd", "expected a mapping, got a list")]
    [InlineData("plugin_settings:\n  sshd:\n    nested: {a: 1}\n", 3, 13, "plugin_settings.sshd.nested", "expected a single value or a list, got a mapping")]
    [InlineData("plugin_settings:\n  nats:\n    servers: [\"a,b\"]\n", 3, 15, "plugin_settings.nats.servers[0]", "a list item may not contain ','")]
    [InlineData("max_stagged: 5\n", 1, 1, "max_stagged", "unknown key; did you mean max_staged? expected one of: enabled,")]
    [InlineData("- just\n- a list\n", 1, 1, "", "expected a mapping of keys at the top level, got a list")]
    [InlineData("log_level: chatty\n", 1, 12, "log_level", "expected one of: trace, debug, information, warning, error, critical, got 'chatty'")]
    public void Bad_config_names_file_line_column_and_key(string yaml, int line, int column, string key, string problem)
    {
        var e = Bad(yaml);

        Assert.Equal((line, column, key), ((int)e.Line, (int)e.Column, e.Key));
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        var where = key.Length == 0 ? "" : key + ": ";
        Assert.StartsWith($"/etc/innerwarden/mesh.yaml:{line}:{column}: {where}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_of_the_file_is_reported_in_file_order_before_it_is_refused()
    {
        var e = Bad("""
            poll_secs: soon
            enabled: maybe
            peers:
              - endpoint: ftp://a.example
              - label: no-endpoint
            max_stagged: 5
            metrics:
              bind: nowhere
            log_level: chatty
            """);

        Assert.Equal(
            ["poll_secs", "enabled", "peers[0].endpoint", "peers[1].endpoint", "max_stagged", "metrics.bind", "log_level"],
            e.Errors.Select(x => x.Key));
        Assert.Equal([1L, 2, 4, 5, 6, 8, 9], e.Errors.Select(x => x.Line));
        Assert.Equal(7, e.Message.Split('\n').Length);
        Assert.All(e.Errors, x => Assert.StartsWith($"/etc/innerwarden/mesh.yaml:{x.Line}:{x.Column}: {x.Key}: ", x.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--config")]
    [InlineData("$INNERWARDEN_CONFIG")]
    public void A_missing_file_named_explicitly_is_an_error_naming_the_path_and_who_named_it(string givenBy)
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "mesh.yaml");
        var location = givenBy == "--config"
            ? ConfigLocation.Resolve(path, null, _ => null)
            : ConfigLocation.Resolve(null, null, name => name == ConfigLocation.ConfigVariable ? path : null);

        var e = Assert.Throws<ConfigException>(() => MeshConfigLoader.Read(location).OrThrow());

        Assert.Equal((path, 0L), (e.File, e.Line));
        Assert.StartsWith($"{path}: config file does not exist (named by {givenBy})", e.Message, StringComparison.Ordinal);
        Assert.Same(MeshConfig.Default, MeshConfigLoader.Read(ConfigLocation.Resolve(null, null, _ => null) with { ConfigPath = path }).OrThrow());
    }

    [Fact]
    public void The_packaged_mesh_yaml_shows_the_real_default_of_every_top_level_value()
    {
        // Uncomment every commented top-level `#key: value` line (one value each): the result must parse to the defaults.
        var lines = File.ReadAllLines(PackagedConfigPath());
        var uncommented = lines
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^#[a-z_]+: .+$"))
            .Select(l => l[1..])
            .ToList();
        var config = MeshConfigLoader.Parse(string.Join('\n', uncommented), "mesh.yaml");

        Assert.Contains("poll_secs: 30", uncommented);
        // data_dir shows the directory used when the key is absent.
        Assert.Equal(MeshConfig.DefaultDataDirectory, config.DataDirectory);
        Assert.Equal(MeshConfig.Default with { PluginSettings = config.PluginSettings, Metrics = config.Metrics }, config with { DataDirectory = null });
        Assert.Equal(new InnerWarden.Mesh.Host.Metrics.MetricsOptions(), config.Metrics);
    }

    [Fact]
    public void Short_public_key_reads_like_the_documented_example()
    {
        var e = Bad("enabled: true\npeers:\n  - endpoint: https://a.example:8790\n  - endpoint: https://b.example:8790\n    public_key: abcdef123456\n");

        Assert.Equal("/etc/innerwarden/mesh.yaml:5:17: peers[1].public_key: expected 64 hex characters, got 12", e.Message);
    }

    [Fact]
    public void Non_hex_public_key_is_refused() =>
        Assert.Contains("non-hex character 'z'", Bad($"peers:\n  - endpoint: https://a:1\n    public_key: {Key[..63]}z\n").Message, StringComparison.Ordinal);

    [Fact]
    public void Duplicate_peer_endpoints_are_refused_naming_the_first()
    {
        var e = Bad("peers:\n  - endpoint: https://a.example:8790\n  - endpoint: https://A.example:8790/\n");

        Assert.Equal("/etc/innerwarden/mesh.yaml:3:15: peers[1].endpoint: duplicate endpoint 'https://A.example:8790/' (already listed as peers[0])", e.Message);
    }

    [Fact]
    public void Invalid_yaml_names_the_position()
    {
        var e = Bad("enabled: true\npeers: [\n");

        Assert.True(e.Line >= 2);
        Assert.Contains("not valid YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_are_refused()
    {
        var e = Bad("enabled: true\nenabled: false\n");

        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Null_values_keep_defaults()
    {
        var config = MeshConfigLoader.Parse("enabled:\npeers: ~\nplugins:\n", "mesh.yaml");

        Assert.Equal(MeshConfig.Default with { PluginSettings = config.PluginSettings }, config);
    }
}

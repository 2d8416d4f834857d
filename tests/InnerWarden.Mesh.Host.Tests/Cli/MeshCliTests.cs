using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Tests.Config;

namespace InnerWarden.Mesh.Host.Tests.Cli;

public sealed class MeshCliTests : IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly TempConfig _temp = new();

    public void Dispose() => _temp.Dispose();

    private Task<CliRun> Mesh(params string[] args) => CliRun.RunAsync(["--config", _temp.Path, "mesh", .. args]);

    [Fact]
    public async Task Enable_then_enable_again_reports_already_enabled()
    {
        var first = await Mesh("enable");
        var second = await Mesh("enable");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains($"mesh enabled in {_temp.Path} (enabled: false -> true)", first.Out, StringComparison.Ordinal);
        Assert.Contains("sudo systemctl restart innerwarden-agent", first.Out, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("mesh is already enabled", second.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("systemctl", second.Out, StringComparison.Ordinal);
        Assert.True(MeshConfigLoader.Load(_temp.Path).Enabled);
    }

    [Theory]
    [InlineData("abc", "Cannot parse argument 'abc' for option '--expiry-secs'")]
    [InlineData("99", "--expiry-secs must be from 2 to 40")]
    public async Task Demo_with_a_bad_expiry_is_a_usage_error_naming_the_value_without_a_stack_trace(string value, string expected)
    {
        var run = await CliRun.RunAsync("demo", "--expiry-secs", value);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"innerwarden: {expected}", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task Disable_of_a_disabled_mesh_says_so_and_creates_nothing()
    {
        var run = await Mesh("disable");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("mesh is already disabled", run.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Path));
    }

    [Fact]
    public async Task Add_peer_writes_it_and_refuses_the_same_endpoint_again()
    {
        var added = await Mesh("add-peer", "https://a.example:8790", "--label", "alpha", "--public-key", Key.ToUpperInvariant());
        var again = await Mesh("add-peer", "https://a.example:8790/");

        Assert.Equal(0, added.ExitCode);
        Assert.Contains("added peer https://a.example:8790 (alpha)", added.Out, StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is already in", again.Err, StringComparison.Ordinal);
        Assert.Contains("remove-peer", again.Err, StringComparison.Ordinal);
        var peer = Assert.Single(MeshConfigLoader.Load(_temp.Path).Peers);
        Assert.Equal(Key, peer.PublicKey);
    }

    [Theory]
    [InlineData("ftp://a.example", "URL: expected an http:// or https:// URL")]
    [InlineData("a.example:8790", "URL:")]
    public async Task Add_peer_with_a_bad_url_is_a_usage_error_and_writes_nothing(string url, string message)
    {
        var run = await Mesh("add-peer", url);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Err, StringComparison.Ordinal);
        Assert.Empty(run.Out);
        Assert.False(File.Exists(_temp.Path));
    }

    [Fact]
    public async Task Add_peer_with_a_short_key_is_a_usage_error()
    {
        var run = await Mesh("add-peer", "https://a.example:8790", "--public-key", "abc");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--public-key: expected 64 hex characters, got 3", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_peer_by_url_by_node_id_and_by_label()
    {
        await Mesh("add-peer", "https://a.example:8790");
        await Mesh("add-peer", "https://b.example:8790", "--public-key", Key);
        await Mesh("add-peer", "https://c.example:8790", "--label", "web-3");

        var byUrl = await Mesh("remove-peer", "https://a.example:8790");
        var byId = await Mesh("remove-peer", Key);
        var missing = await Mesh("remove-peer", Key);
        var unknownLabel = await Mesh("remove-peer", "web-9");
        var byLabel = await Mesh("remove-peer", "web-3");
        var empty = await Mesh("remove-peer", "");

        Assert.Equal((0, 0, 1, 1, 0, 2), (byUrl.ExitCode, byId.ExitCode, missing.ExitCode, unknownLabel.ExitCode, byLabel.ExitCode, empty.ExitCode));
        Assert.Contains("removed peer https://b.example:8790", byId.Out, StringComparison.Ordinal);
        Assert.Contains("removed peer https://c.example:8790 (web-3)", byLabel.Out, StringComparison.Ordinal);
        Assert.Contains($"no peer {Key}", missing.Err, StringComparison.Ordinal);
        Assert.Contains("no peer web-9", unknownLabel.Err, StringComparison.Ordinal);
        Assert.Empty(MeshConfigLoader.Load(_temp.Path).Peers);
    }

    [Theory]
    [InlineData("https://a.example", "URL: 'https://a.example' has no port; give it explicitly, e.g. https://a.example:8790")]
    [InlineData("http://10.0.0.5", "URL: 'http://10.0.0.5' has no port; give it explicitly, e.g. http://10.0.0.5:8790")]
    [InlineData("https://a.example:8790/mesh/signal", "URL: 'https://a.example:8790/mesh/signal' has a path, query or fragment ('/mesh/signal'); give the node's base URL, e.g. https://a.example:8790 ")]
    [InlineData("https://a.example/mesh", "give the node's base URL, e.g. https://a.example:8790 ")]
    [InlineData("https://a.example:8790?x=1", "has a path, query or fragment ('/?x=1')")]
    public async Task Add_peer_refuses_an_endpoint_with_a_path_or_without_a_port_and_writes_nothing(string url, string message)
    {
        var run = await Mesh("add-peer", url);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"innerwarden: URL: '{url}' ", run.Err, StringComparison.Ordinal);
        Assert.Contains(message, run.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Path));
    }

    [Theory]
    [InlineData("https://a.example:443")]
    [InlineData("http://[2001:db8::7]:8790")]
    [InlineData("https://a.example:8790/")]
    public async Task Add_peer_takes_a_base_url_with_an_explicit_port_even_the_schemes_default(string url)
    {
        var run = await Mesh("add-peer", url);

        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Single(MeshConfigLoader.Load(_temp.Path).Peers);
    }

    [Fact]
    public async Task Add_peer_refuses_this_nodes_own_key()
    {
        var data = Path.Combine(_temp.Directory, "data");
        string own;
        using (var identity = InnerWarden.Mesh.Host.Identity.NodeIdentity.LoadOrCreate(data))
        {
            own = identity.NodeId;
        }

        var run = await CliRun.RunAsync(["--config", _temp.Path, "--data-dir", data, "mesh", "add-peer", "https://b.example:8790", "--public-key", own.ToUpperInvariant()]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"innerwarden: --public-key: {own} is this node's own key", run.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Path));
    }

    [Theory]
    [InlineData]
    [InlineData("mesh")]
    [InlineData("frobnicate")]
    [InlineData("mesh", "add-peer")]
    [InlineData("mesh", "peers", "--bogus")]
    [InlineData("mesh", "report", "192.0.2.1")]
    [InlineData("mesh", "report", "192.0.2.1", "--detector", "x", "--confidence", "very")]
    public async Task Bad_command_lines_exit_2_with_the_error_on_stderr(params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("innerwarden: ", run.Err, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var run = await CliRun.RunAsync("mesh", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("add-peer", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_config_file_exits_2_naming_file_line_and_key()
    {
        _temp.Write("enabled: true\npeers:\n  - endpoint: https://a\n    public_key: 12\n");

        var run = await Mesh("add-peer", "https://b.example:8790");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{_temp.Path}:4:17: peers[0].public_key: expected 64 hex characters, got 2", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_path_comes_from_the_environment_when_no_flag_is_given()
    {
        // Process-wide, so restore it; the CLI tests in this class run one at a time.
        var previous = Environment.GetEnvironmentVariable(ConfigLocation.ConfigVariable);
        Environment.SetEnvironmentVariable(ConfigLocation.ConfigVariable, _temp.Path);
        try
        {
            var run = await CliRun.RunAsync("mesh", "enable");

            Assert.Equal(0, run.ExitCode);
            Assert.True(MeshConfigLoader.Load(_temp.Path).Enabled);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ConfigLocation.ConfigVariable, previous);
        }
    }

    [Fact]
    public async Task Agent_with_the_mesh_disabled_exits_0_and_says_how_to_enable()
    {
        _temp.Write("enabled: false\n");
        var run = await CliRun.RunAsync("--config", _temp.Path, "agent");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("mesh is disabled", run.Out, StringComparison.Ordinal);
        Assert.Contains("innerwarden mesh enable", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("peers")]
    [InlineData("blocks")]
    public async Task State_commands_on_a_fresh_node_print_an_empty_json_array(string command)
    {
        _temp.Write("");
        var dataDir = System.IO.Path.Combine(_temp.Directory, "data");
        var run = await CliRun.RunAsync("--config", _temp.Path, "--data-dir", dataDir, "mesh", command, "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(run.Out);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(0, json.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Status_command_reads_the_config_it_is_given()
    {
        _temp.Write("enabled: true\npeers:\n  - endpoint: https://peer-one:8790\n");
        var dataDir = System.IO.Path.Combine(_temp.Directory, "data");
        var run = await CliRun.RunAsync("--config", _temp.Path, "--data-dir", dataDir, "mesh", "status", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(run.Out);
        Assert.Equal(1, json.RootElement.GetProperty("peers_configured").GetInt32());
    }

    [Fact]
    public async Task Identity_command_creates_and_prints_the_node_id_as_json()
    {
        _temp.Write("");
        var dataDir = System.IO.Path.Combine(_temp.Directory, "data");
        var run = await CliRun.RunAsync("--config", _temp.Path, "--data-dir", dataDir, "mesh", "identity", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(run.Out);
        var nodeId = json.RootElement.GetProperty("node_id").GetString();
        Assert.Matches("^[0-9a-f]{64}$", nodeId);
        Assert.True(File.Exists(System.IO.Path.Combine(dataDir, "mesh-identity.key")));
    }

    [Fact]
    public async Task Verify_command_accepts_the_original_nodes_vector_and_fails_a_tampered_copy()
    {
        var good = System.IO.Path.Combine(_temp.Directory, "good.json");
        File.WriteAllText(good, Signals.ProtocolVectors.OneJson);
        var bad = System.IO.Path.Combine(_temp.Directory, "bad.json");
        File.WriteAllText(bad, Signals.ProtocolVectors.OneJson.Replace("\"ttl_secs\": 3600", "\"ttl_secs\": 3601", StringComparison.Ordinal));

        var ok = await Mesh("verify", good);
        var tampered = await Mesh("verify", bad);
        var missing = await Mesh("verify", System.IO.Path.Combine(_temp.Directory, "absent.json"));

        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664|185.220.1.7|ssh_bruteforce|0.9200|", ok.Out, StringComparison.Ordinal);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("InvalidSignature", tampered.Out + tampered.Err, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
    }

    [Fact]
    public async Task Report_command_without_a_running_agent_fails_with_a_hint()
    {
        _temp.Write("");
        var dataDir = System.IO.Path.Combine(_temp.Directory, "data");
        var run = await CliRun.RunAsync("--config", _temp.Path, "--data-dir", dataDir, "mesh", "report", "185.220.1.7", "--detector", "fail2ban_sshd");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot reach the agent", run.Err, StringComparison.Ordinal);
    }

    [Theory]
    // The documentation address of packaging/fail2ban/README.md's test command, then an allowlisted address of the config.
    [InlineData("203.0.113.7", "is in documentation TEST-NET-3 203.0.113.0/24 (RFC 5737)")]
    [InlineData("185.220.9.9", "is on the never-block list (allowlist entry 185.220.9.0/24)")]
    public async Task Report_of_an_address_the_mesh_never_blocks_exits_0_with_one_line_even_without_an_agent(string ip, string why)
    {
        _temp.Write("allowlist: [\"185.220.9.0/24\"]\n");
        var dataDir = System.IO.Path.Combine(_temp.Directory, "data");

        var run = await CliRun.RunAsync("--config", _temp.Path, "--data-dir", dataDir, "mesh", "report", ip, "--detector", "fail2ban_test", "--evidence", "test");

        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Empty(run.Err);
        Assert.Equal($"innerwarden mesh report: not reported: {ip} {why}, which the mesh never blocks (a ban by the caller itself is unaffected)", run.Out.Trim());
    }

    [Fact]
    public async Task Report_command_with_a_bad_address_is_a_usage_error()
    {
        _temp.Write("");
        var run = await Mesh("report", "not-an-ip", "--detector", "x");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not-an-ip", run.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("config", "check")]
    [InlineData("mesh", "status")]
    [InlineData("mesh", "peers")]
    [InlineData("mesh", "identity")]
    public async Task A_missing_config_file_named_by_the_flag_is_an_error_naming_it(params string[] command)
    {
        var run = await CliRun.RunAsync(["--config", _temp.Path, .. command]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"innerwarden: {_temp.Path}: config file does not exist (named by --config)", run.Err.Split(';')[0]);
        Assert.False(File.Exists(_temp.Path));
    }

    [Fact]
    public async Task Edits_refuse_a_file_the_agent_would_refuse_and_leave_it_untouched()
    {
        const string Typo = "enabled: false\nplugins:\n  detectors: [sshd]\nplugin_settings:\n  sshd:\n    max_failure: 3\n";
        _temp.Write(Typo);

        var enable = await Mesh("enable");
        var addPeer = await Mesh("add-peer", "https://b.example:8790");

        Assert.Equal((2, 2), (enable.ExitCode, addPeer.ExitCode));
        Assert.Contains($"innerwarden: {_temp.Path}:6:5: plugin_settings.sshd.max_failure: unknown setting; did you mean max_failures?", enable.Err, StringComparison.Ordinal);
        Assert.Equal(Typo, _temp.Read());
    }

    [Fact]
    public async Task Config_check_reports_every_error_with_its_position_then_the_count()
    {
        _temp.Write("poll_secs: 0\nplugins:\n  enforcer: nftable\nplugin_settings:\n  bayesian: {initial: 0.2}\n");

        var run = await CliRun.RunAsync("--config", _temp.Path, "config", "check");

        Assert.Equal(2, run.ExitCode);
        var lines = run.Err.TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith($"innerwarden: {_temp.Path}:1:12: poll_secs: expected a number from 1 to 86400, got 0", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"innerwarden: {_temp.Path}:3:13: plugins.enforcer: no plugin named 'nftable'", lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"innerwarden: {_temp.Path}:5:3: plugin_settings.bayesian: the bayesian plugin is not selected (plugins.trust is tit-for-tat)", lines[2], StringComparison.Ordinal);
        Assert.Equal($"innerwarden: 3 errors in {_temp.Path}", lines[3]);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task Config_check_of_a_good_file_summarises_the_selection()
    {
        _temp.Write("enabled: true\nplugins:\n  detectors: [sshd]\nplugin_settings:\n  sshd: {max_failures: 3}\n");

        var run = await CliRun.RunAsync("--config", _temp.Path, "config", "check");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"{_temp.Path}: ok; mesh enabled; transport http, trust tit-for-tat, staging threshold, enforcer auto, detectors: sshd\n", run.Out);
    }
}

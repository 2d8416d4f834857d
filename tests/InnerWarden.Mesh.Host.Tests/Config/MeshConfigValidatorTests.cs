using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Host.Tests.Config;

/// <summary>The config checked against the real shipped plugins (copied beside the test assembly, as beside the executable).</summary>
public sealed class MeshConfigValidatorTests
{
    private const string File = "/etc/innerwarden/mesh.yaml";

    private static MeshConfig Validate(string yaml) =>
        MeshConfigValidator.Validate(MeshConfigLoader.ReadText(yaml, File), PluginCatalogCache.Shared, NullLogger.Instance);

    private static ConfigError Single(string yaml) => Assert.Single(Assert.Throws<ConfigException>(() => Validate(yaml)).Errors);

    private static void AssertError(ConfigError error, int line, int column, string key, string problem)
    {
        Assert.Equal((line, column, key), ((int)error.Line, (int)error.Column, error.Key));
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"{File}:{line}:{column}: {key}: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_config_with_settings_of_selected_plugins_passes()
    {
        var config = Validate("""
            plugins:
              trust: bayesian
              detectors: [sshd]
            plugin_settings:
              sshd: {max_failures: 3, log_path: /var/log/secure, start_at: beginning}
              bayesian: {prior_strength: 20}
              threshold:
                block_full_at: 0.9
              http: {tls: self-signed, timeout_ms: 500}
              nftables: {table: my_table}
            """);

        Assert.Equal("3", config.SettingsFor("sshd")["max_failures"]);
    }

    [Fact]
    public void Unknown_setting_suggests_the_declared_key_and_lists_the_plugins_keys()
    {
        var error = Single("plugins:\n  detectors: [sshd]\nplugin_settings:\n  sshd:\n    max_failure: 3\n");

        AssertError(error, 5, 5, "plugin_settings.sshd.max_failure", "unknown setting; did you mean max_failures? the sshd plugin's settings are: log_path, max_failures,");
    }

    [Theory]
    [InlineData("threshold:\n    block_full_at: lots", 3, 20, "plugin_settings.threshold.block_full_at", "expected a number greater than 0 and at most 1, got 'lots'")]
    [InlineData("threshold:\n    watchlist_ttl_secs: 99999999", 3, 25, "plugin_settings.threshold.watchlist_ttl_secs", "expected a whole number from 1 to 2592000, got '99999999'")]
    [InlineData("http:\n    tls_verify: sure", 3, 17, "plugin_settings.http.tls_verify", "expected true or false, got 'sure'")]
    [InlineData("http:\n    tls: on", 3, 10, "plugin_settings.http.tls", "expected one of: self-signed, certificate, off, got 'on'")]
    [InlineData("http:\n    tls_certificate: cert.pfx", 3, 22, "plugin_settings.http.tls_certificate", "expected an absolute path, got 'cert.pfx'")]
    [InlineData("tit-for-tat:\n    confirm_step: 0", 3, 19, "plugin_settings.tit-for-tat.confirm_step", "expected a number greater than 0 and at most 1, got '0'")]
    [InlineData("nftables:\n    command_timeout_secs: [1, 2]", 3, 27, "plugin_settings.nftables.command_timeout_secs", "expected a single value (whole number from 1 to 3600), got a list")]
    public void Wrong_type_or_out_of_range_values_are_refused_at_the_value(string section, int line, int column, string key, string problem) =>
        AssertError(Single("plugin_settings:\n  " + section + "\n"), line, column, key, problem);

    [Theory]
    [InlineData("bayesian", "the bayesian plugin is not selected (plugins.trust is tit-for-tat); select it, or remove its settings")]
    [InlineData("sshd", "the sshd plugin is not selected (plugins.detectors is empty)")]
    [InlineData("windows-firewall", "the windows-firewall plugin is not selected (plugins.enforcer is auto)")]
    public void Settings_of_a_plugin_that_is_not_selected_are_refused(string plugin, string problem) =>
        AssertError(Single($"plugin_settings:\n  {plugin}:\n    initial: 0.2\n"), 2, 3, $"plugin_settings.{plugin}", problem);

    [Fact]
    public void A_section_for_no_installed_plugin_suggests_the_nearest_name()
    {
        var error = Single("plugin_settings:\n  thresold:\n    block_full_at: 0.9\n");

        AssertError(error, 2, 3, "plugin_settings.thresold", "no plugin named 'thresold' is installed in ");
        Assert.Contains("; did you mean threshold? installed: bayesian, http, innerwarden-incidents, iptables,", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("enforcer: nftable", 2, 13, "plugins.enforcer", "no plugin named 'nftable' of kind enforcer in", "did you mean nftables? found: iptables, log-only, nftables, windows-firewall")]
    [InlineData("enforcer: aut", 2, 13, "plugins.enforcer", "no plugin named 'aut' of kind enforcer", "did you mean auto?")]
    [InlineData("detectors: [sshd, fail2ban]", 2, 21, "plugins.detectors[1]", "no plugin named 'fail2ban' of kind detector", "found: innerwarden-incidents, local-report, sshd")]
    [InlineData("trust: tit-fot-tat", 2, 10, "plugins.trust", "no plugin named 'tit-fot-tat' of kind trust", "did you mean tit-for-tat? found: bayesian, tit-for-tat")]
    [InlineData("trust: sshd", 2, 10, "plugins.trust", "plugin 'sshd' in ", "is a detector plugin, not a trust plugin")]
    [InlineData("enforcer: windows-firewall", 2, 13, "plugins.enforcer", "runs on windows, not on", "choose another enforcer")]
    public void Unknown_plugin_names_are_refused_with_the_nearest_and_the_installed_names(string selection, int line, int column, string key, string problem, string hint)
    {
        var error = Single($"plugins:\n  {selection}\n");

        AssertError(error, line, column, key, problem);
        Assert.Contains(hint, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plugins_own_rule_across_keys_is_reported_at_the_key_the_operator_set()
    {
        var thresholds = Single("plugin_settings:\n  threshold:\n    block_short_at: 0.9\n");
        var tls = Single("plugin_settings:\n  http:\n    tls_certificate: /etc/innerwarden/cert.pfx\n    tls: self-signed\n");

        AssertError(thresholds, 3, 21, "plugin_settings.threshold.block_short_at", "thresholds must satisfy watchlist_at <= block_short_at <= block_full_at, got 0.3, 0.9, 0.8");
        AssertError(tls, 4, 10, "plugin_settings.http.tls", "self-signed conflicts with tls_certificate");
    }

    [Fact]
    public void A_bad_item_of_a_list_setting_is_reported_at_the_item()
    {
        const string Servers = "plugins:\n  transport: nats\nplugin_settings:\n  nats:\n    servers:\n      - nats://nats1:4222\n      - ";
        var scheme = Single(Servers + "http://nats2:4222\n");
        var port = Single(Servers + "nats://nats3\n");
        var missing = Single("plugins:\n  transport: nats\nplugin_settings:\n  nats: {subject: a.b}\n");

        AssertError(scheme, 7, 9, "plugin_settings.nats.servers[1]", "expected a URL (nats://, tls://), got 'http://nats2:4222'");
        AssertError(port, 7, 9, "plugin_settings.nats.servers[1]", "'nats://nats3' must name a port");
        // A required key that is absent is reported at its section.
        AssertError(missing, 4, 9, "plugin_settings.nats.servers", "missing; the NATS servers to connect to are required");
    }

    [Fact]
    public void A_plugin_without_settings_refuses_every_key()
    {
        var error = Single("plugins:\n  enforcer: log-only\nplugin_settings:\n  log-only:\n    dry_run: true\n");

        AssertError(error, 5, 5, "plugin_settings.log-only.dry_run", "unknown setting; the log-only plugin has no settings");
    }

    [Fact]
    public void Enforcer_auto_accepts_the_settings_of_every_backend_it_may_pick_and_checks_them()
    {
        Validate("plugin_settings:\n  nftables: {table: t1}\n  iptables: {command_timeout_secs: 5}\n  log-only: {}\n");
        var error = Single("plugin_settings:\n  nftables: {table: '1 table; flush ruleset'}\n");

        AssertError(error, 2, 21, "plugin_settings.nftables.table", "expected an nft table name");
    }

    [Fact]
    public void A_plugin_setting_written_at_the_top_level_says_where_it_belongs()
    {
        var error = Single("block_ful_at: 0.9\n");

        AssertError(error, 1, 1, "block_ful_at", "unknown key; block_full_at is a setting of the threshold plugin: write it under plugin_settings.threshold");
    }

    [Fact]
    public void A_plugin_directory_that_does_not_exist_is_reported_at_its_key()
    {
        var error = Single("plugins:\n  directory: /nonexistent/plugins\n");

        AssertError(error, 2, 14, "plugins.directory", "plugin directory /nonexistent/plugins does not exist");
    }

    [Fact]
    public void Every_error_of_the_file_top_level_and_plugins_is_reported_in_file_order()
    {
        var e = Assert.Throws<ConfigException>(() => Validate("""
            enabled: true
            poll_secs: soon
            block_ful_at: 0.9
            plugins:
              enforcer: nftable
              detectors: [sshd, fail2ban]
            plugin_settings:
              sshd:
                max_failure: 3
                window_secs: lots
              thresold:
                x: 1
              bayesian:
                initial: 0.2
              threshold:
                block_full_at: lots
            """));

        Assert.Equal(
            [
                "poll_secs", "block_ful_at", "plugins.enforcer", "plugins.detectors[1]", "plugin_settings.sshd.max_failure",
                "plugin_settings.sshd.window_secs", "plugin_settings.thresold", "plugin_settings.bayesian", "plugin_settings.threshold.block_full_at",
            ],
            e.Errors.Select(x => x.Key));
        Assert.Equal([2L, 3, 5, 6, 9, 10, 11, 13, 16], e.Errors.Select(x => x.Line));
    }
}

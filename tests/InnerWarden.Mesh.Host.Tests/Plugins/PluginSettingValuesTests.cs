using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Host.Tests.Plugins;

public sealed class PluginSettingValuesTests
{
    private static readonly IReadOnlyList<PluginSettingDefinition> Definitions =
    [
        PluginSettingDefinition.Flag("verbose", false, "talk more"),
        PluginSettingDefinition.WholeNumber("max_failures", 5, 1, 256, "failures that make a detection"),
        PluginSettingDefinition.Number("score", 0.6, 0, 1, "a score") with { MinExclusive = true },
        PluginSettingDefinition.Duration("timeout", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), "how long"),
        PluginSettingDefinition.Text("subject", "mesh.signals", "a subject"),
        PluginSettingDefinition.FilePath("log_path", null, "a file"),
        PluginSettingDefinition.Choice("start_at", "end", ["end", "beginning"], "where to start"),
        PluginSettingDefinition.Url("server", "nats://127.0.0.1:4222", ["nats", "tls"], "the server"),
        PluginSettingDefinition.TextList("tags", "labels"),
        PluginSettingDefinition.AddressList("trusted", "networks"),
        PluginSettingDefinition.UrlList("servers", ["nats"], "a cluster"),
    ];

    private static PluginSettingValues Values(params (string Key, string Value)[] settings) =>
        PluginSettingValues.Parse("probe", Definitions, settings.ToDictionary(s => s.Key, s => s.Value));

    [Fact]
    public void Absent_keys_read_as_their_declared_defaults()
    {
        var values = Values();

        Assert.False(values.GetFlag("verbose"));
        Assert.Equal(5, values.GetWholeNumber("max_failures"));
        Assert.Equal(0.6, values.GetNumber("score"));
        Assert.Equal(TimeSpan.FromSeconds(30), values.GetDuration("timeout"));
        Assert.Equal("mesh.signals", values.GetText("subject"));
        Assert.Null(values.GetText("log_path"));
        Assert.Equal("end", values.GetText("start_at"));
        Assert.Equal("nats://127.0.0.1:4222", values.GetText("server"));
        Assert.Empty(values.GetList("tags"));
        Assert.False(values.IsSet("max_failures"));
    }

    [Fact]
    public void Configured_values_are_typed()
    {
        var values = Values(("verbose", "TRUE"), ("max_failures", " 7 "), ("score", "1"), ("timeout", "250ms"), ("subject", " a b "),
            ("log_path", "/var/log/secure"), ("start_at", "Beginning"), ("server", "tls://nats.example:4222"),
            ("tags", "a, b,c"), ("trusted", "10.0.0.0/8,2001:db8::1"), ("servers", "nats://a:4222, nats://b:4222"));

        Assert.True(values.GetFlag("verbose"));
        Assert.Equal(7, values.GetWholeNumber("max_failures"));
        Assert.Equal(1.0, values.GetNumber("score"));
        Assert.Equal(TimeSpan.FromMilliseconds(250), values.GetDuration("timeout"));
        Assert.Equal(" a b ", values.GetText("subject"));
        Assert.Equal("/var/log/secure", values.GetText("log_path"));
        Assert.Equal("beginning", values.GetText("start_at"));
        Assert.Equal("tls://nats.example:4222", values.GetText("server"));
        Assert.Equal(["a", "b", "c"], values.GetList("tags"));
        Assert.Equal(["10.0.0.0/8", "2001:db8::1"], values.GetList("trusted"));
        Assert.Equal(["nats://a:4222", "nats://b:4222"], values.GetList("servers"));
        Assert.True(values.IsSet("max_failures"));
    }

    [Theory]
    [InlineData("verbose", "yes", "expected true or false, got 'yes'")]
    [InlineData("max_failures", "lots", "expected a whole number from 1 to 256, got 'lots'")]
    [InlineData("max_failures", "0", "expected a whole number from 1 to 256, got '0'")]
    [InlineData("max_failures", "2.5", "expected a whole number from 1 to 256, got '2.5'")]
    [InlineData("score", "0", "expected a number greater than 0 and at most 1, got '0'")]
    [InlineData("score", "NaN", "expected a number greater than 0 and at most 1, got 'NaN'")]
    [InlineData("timeout", "2h", "expected a duration (e.g. 30s, 5m, 2h) from 100ms to 1h, got '2h'")]
    [InlineData("timeout", "-1s", "expected a duration (e.g. 30s, 5m, 2h) from 100ms to 1h, got '-1s'")]
    [InlineData("log_path", "relative/auth.log", "expected an absolute path, got 'relative/auth.log'")]
    [InlineData("start_at", "middle", "expected one of: end, beginning, got 'middle'")]
    [InlineData("server", "http://nats.example", "expected a URL (nats://, tls://), got 'http://nats.example'")]
    public void A_bad_value_names_what_is_expected_and_what_was_given(string key, string value, string problem)
    {
        Assert.False(PluginSettingValues.TryParse(Definitions, new Dictionary<string, string> { [key] = value }, out var values, out var problems));

        Assert.Null(values);
        Assert.Equal(new PluginSettingProblem(key, problem), Assert.Single(problems));
    }

    [Fact]
    public void Every_problem_is_reported_and_list_items_by_index()
    {
        var settings = new Dictionary<string, string>
        {
            ["max_failure"] = "3",
            ["score"] = "2",
            ["trusted"] = "10.0.0.0/8, 10.0.0.0/99",
            ["servers"] = "nats://a:4222,http://b",
        };

        Assert.False(PluginSettingValues.TryParse(Definitions, settings, out _, out var problems));

        Assert.Equal(["max_failure", "score", "trusted[1]", "servers[1]"], problems.Select(p => p.Key));
        Assert.StartsWith("unknown setting; expected one of: verbose, max_failures,", problems[0].Problem, StringComparison.Ordinal);
        Assert.Equal("expected an IP address or CIDR (e.g. 203.0.113.0/24), got '10.0.0.0/99'", problems[2].Problem);
        Assert.Equal("expected a URL (nats://), got 'http://b'", problems[3].Problem);
    }

    [Fact]
    public void Parse_throws_with_every_problem_under_its_full_key_and_runs_the_plugins_rules()
    {
        var bad = Assert.Throws<ArgumentException>(() => Values(("max_failures", "0"), ("verbose", "x")));
        var rule = Assert.Throws<ArgumentException>(() => PluginSettingValues.Parse("probe", Definitions, new Dictionary<string, string>(),
            values => [new PluginSettingProblem("", $"score {values.GetNumber("score")} is too cautious")]));

        Assert.Equal("plugin_settings.probe.max_failures: expected a whole number from 1 to 256, got '0'\nplugin_settings.probe.verbose: expected true or false, got 'x'",
            bad.Message);
        Assert.Equal("plugin_settings.probe: score 0.6 is too cautious", rule.Message);
    }

    [Fact]
    public void A_plugin_without_settings_refuses_any_key()
    {
        Assert.False(PluginSettingValues.TryParse([], new Dictionary<string, string> { ["table"] = "x" }, out _, out var problems));

        Assert.Equal("unknown setting; this plugin has no settings", Assert.Single(problems).Problem);
    }

    [Fact]
    public void Reading_an_undeclared_key_or_with_the_wrong_type_is_a_programming_error()
    {
        var values = Values();

        Assert.Throws<KeyNotFoundException>(() => values.GetFlag("nope"));
        Assert.Throws<InvalidOperationException>(() => values.GetFlag("max_failures"));
    }

    [Theory]
    [InlineData(PluginSettingType.Duration, "1d", 86_400)]
    [InlineData(PluginSettingType.Duration, "90", 90)]
    [InlineData(PluginSettingType.Duration, "1.5m", 90)]
    public void Durations_take_a_unit_or_are_seconds(PluginSettingType type, string text, double seconds)
    {
        var definition = new PluginSettingDefinition("d", type, "doc");
        var values = PluginSettingValues.Parse("probe", [definition], new Dictionary<string, string> { ["d"] = text });

        Assert.Equal(TimeSpan.FromSeconds(seconds), values.GetDuration("d"));
    }

    [Fact]
    public void Descriptions_state_type_and_range_for_the_docs()
    {
        Assert.Equal(
            ["true or false", "whole number from 1 to 256", "number greater than 0 and at most 1", "duration (e.g. 30s, 5m, 2h) from 100ms to 1h", "text",
                "absolute path", "one of: end, beginning", "URL (nats://, tls://)", "list of texts", "list of IP addresses or CIDRs", "list of URLs (nats://)"],
            Definitions.Select(d => d.Describe()));
        Assert.Equal("30s", Definitions[3].Default);
    }
}

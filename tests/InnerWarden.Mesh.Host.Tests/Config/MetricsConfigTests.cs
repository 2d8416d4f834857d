using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Tests.Config;

public sealed class MetricsConfigTests
{
    [Fact]
    public void Metrics_are_off_and_on_loopback_by_default()
    {
        var config = MeshConfigLoader.Parse("enabled: true\n", "mesh.yaml");
        Assert.False(config.Metrics.Enabled);
        Assert.Equal("127.0.0.1:9464", config.Metrics.Bind);
    }

    [Fact]
    public void Metrics_section_is_read()
    {
        var config = MeshConfigLoader.Parse("metrics:\n  enabled: true\n  bind: \"[::1]:9100\"\n", "mesh.yaml");
        Assert.True(config.Metrics.Enabled);
        Assert.Equal("[::1]:9100", config.Metrics.Bind);
    }

    [Theory]
    [InlineData("metrics:\n  bind: nothost\n", "mesh.yaml:2:9: metrics.bind:")]
    [InlineData("metrics:\n  enabled: perhaps\n", "mesh.yaml:2:12: metrics.enabled:")]
    [InlineData("metrics:\n  port: 9\n", "metrics.port")]
    public void Bad_metrics_values_name_file_line_and_key(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => MeshConfigLoader.Parse(yaml, "mesh.yaml"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}

using System.Net;
using InnerWarden.Mesh.Host.Metrics;

namespace InnerWarden.Mesh.Host.Tests.Metrics;

public sealed class MetricsOptionsTests
{
    [Fact]
    public void Defaults_are_off_and_loopback()
    {
        var options = new MetricsOptions();

        Assert.False(options.Enabled);
        Assert.True(options.TryGetEndpoint(out var endpoint, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9464), endpoint);
    }

    [Theory]
    [InlineData("127.0.0.1:9464", "127.0.0.1", 9464)]
    [InlineData("0.0.0.0:9100", "0.0.0.0", 9100)]
    [InlineData("[::1]:0", "::1", 0)]
    [InlineData("localhost:9464", "127.0.0.1", 9464)]
    [InlineData(" 127.0.0.1:9464 ", "127.0.0.1", 9464)]
    public void Valid_bind_values_parse(string bind, string address, int port)
    {
        Assert.True(MetricsOptions.TryParseBind(bind, out var endpoint, out var error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("", "metrics.bind: '' is not host:port")]
    [InlineData(null, "metrics.bind: '' is not host:port")]
    [InlineData("9464", "metrics.bind: '9464' is not host:port")]
    [InlineData("127.0.0.1", "metrics.bind: '127.0.0.1' is not host:port")]
    [InlineData("127.0.0.1:", "metrics.bind: '127.0.0.1:' is not host:port")]
    [InlineData(":9464", "metrics.bind: ':9464' is not host:port")]
    [InlineData("::1:9464", "metrics.bind: '::1:9464' is not host:port")]
    [InlineData("[::1:9464", "metrics.bind: '[::1:9464' is not host:port")]
    [InlineData("127.0.0.1:65536", "metrics.bind: '127.0.0.1:65536' has port '65536'")]
    [InlineData("127.0.0.1:-1", "metrics.bind: '127.0.0.1:-1' has port '-1'")]
    [InlineData("127.0.0.1:http", "metrics.bind: '127.0.0.1:http' has port 'http'")]
    [InlineData("metrics.example:9464", "metrics.bind: 'metrics.example:9464' has host 'metrics.example'")]
    [InlineData("10.1:9464", "metrics.bind: '10.1:9464' has host '10.1'")]
    public void Invalid_bind_values_name_the_key_and_the_value(string? bind, string expected)
    {
        Assert.False(MetricsOptions.TryParseBind(bind, out var endpoint, out var error));
        Assert.Null(endpoint);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}

using InnerWarden.Mesh.Transport.Http;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

public sealed class HttpTransportOptionsTests
{
    [Fact]
    public void Settings_are_read_from_the_plugin_settings_map()
    {
        var options = HttpTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["timeout_ms"] = "1500",
            ["tls"] = "self-signed",
            ["tls_verify"] = "true",
            ["outbox_capacity"] = "42",
        });

        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.Timeout);
        Assert.True(options.SelfSignedTls);
        Assert.True(options.VerifyPeerCertificates);
        Assert.Equal(42, options.OutboxCapacity);
    }

    [Theory]
    [InlineData("timeout_ms", "soon", "plugin_settings.http.timeout_ms: 'soon'")]
    [InlineData("timeout_ms", "0", "plugin_settings.http.timeout_ms: '0'")]
    [InlineData("tls", "maybe", "plugin_settings.http.tls: 'maybe'")]
    [InlineData("tls_verify", "perhaps", "plugin_settings.http.tls_verify: 'perhaps'")]
    [InlineData("outbox_capacity", "-1", "plugin_settings.http.outbox_capacity: '-1'")]
    [InlineData("timeout", "5", "plugin_settings.http.timeout: '5' is not a setting")]
    public void Bad_setting_is_an_error_naming_the_key_and_value(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => HttpTransportOptions.FromSettings(new Dictionary<string, string> { [key] = value }));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}

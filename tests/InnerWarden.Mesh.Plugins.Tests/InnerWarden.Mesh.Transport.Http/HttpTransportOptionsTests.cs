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
    [InlineData("timeout_ms", "soon", "plugin_settings.http.timeout_ms: expected a whole number from 1 to 600000, got 'soon'")]
    [InlineData("timeout_ms", "0", "plugin_settings.http.timeout_ms: expected a whole number from 1 to 600000, got '0'")]
    [InlineData("tls", "maybe", "plugin_settings.http.tls: expected one of: off, self-signed, got 'maybe'")]
    [InlineData("tls_verify", "perhaps", "plugin_settings.http.tls_verify: expected true or false, got 'perhaps'")]
    [InlineData("outbox_capacity", "-1", "plugin_settings.http.outbox_capacity: expected a whole number from 0 to 10000000, got '-1'")]
    [InlineData("timeout", "5", "plugin_settings.http.timeout: unknown setting; expected one of: timeout_ms,")]
    [InlineData("tls_certificate", "relative.pfx", "plugin_settings.http.tls_certificate: expected an absolute path, got 'relative.pfx'")]
    public void Bad_setting_is_an_error_naming_the_key_and_value(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => HttpTransportOptions.FromSettings(new Dictionary<string, string> { [key] = value }));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_signed_tls_and_a_certificate_file_conflict()
    {
        var error = Assert.Throws<ArgumentException>(() => HttpTransportOptions.FromSettings(
            new Dictionary<string, string> { ["tls"] = "self-signed", ["tls_certificate"] = "/etc/innerwarden/cert.pfx" }));

        Assert.Equal("plugin_settings.http.tls: self-signed conflicts with tls_certificate; set one of them", error.Message);
    }
}

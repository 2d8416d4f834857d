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
            ["tls"] = "off",
            ["tls_verify"] = "true",
            ["outbox_capacity"] = "42",
        });

        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.Timeout);
        Assert.Equal(TlsMode.Off, options.Tls);
        Assert.False(options.ServesTls);
        Assert.True(options.VerifyPeerCertificates);
        Assert.Equal(42, options.OutboxCapacity);
    }

    [Theory]
    [InlineData("timeout_ms", "soon", "plugin_settings.http.timeout_ms: expected a whole number from 1 to 600000, got 'soon'")]
    [InlineData("timeout_ms", "0", "plugin_settings.http.timeout_ms: expected a whole number from 1 to 600000, got '0'")]
    [InlineData("tls", "maybe", "plugin_settings.http.tls: expected one of: self-signed, certificate, off, got 'maybe'")]
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
    public void Tls_is_self_signed_by_default_and_serves_plain_http_beside_it()
    {
        var options = HttpTransportOptions.FromSettings(new Dictionary<string, string>());

        Assert.Equal(TlsMode.SelfSigned, options.Tls);
        Assert.True(options.ServesTls);
        Assert.True(options.AcceptPlainHttp);
        Assert.Equal(new HttpTransportOptions(), options with { });
    }

    [Fact]
    public void A_certificate_file_alone_means_tls_certificate()
    {
        var options = HttpTransportOptions.FromSettings(new Dictionary<string, string>
        {
            ["tls_certificate"] = "/etc/innerwarden/fullchain.pem",
            ["tls_key"] = "/etc/innerwarden/privkey.pem",
            ["plain_http"] = "false",
        });

        Assert.Equal(TlsMode.Certificate, options.Tls);
        Assert.Equal("/etc/innerwarden/fullchain.pem", options.CertificatePath);
        Assert.Equal("/etc/innerwarden/privkey.pem", options.CertificateKeyPath);
        Assert.False(options.AcceptPlainHttp);
    }

    [Theory]
    [InlineData("self-signed", "/etc/innerwarden/cert.pfx", null, null, "plugin_settings.http.tls: self-signed conflicts with tls_certificate; use tls: certificate, or drop tls_certificate")]
    [InlineData("off", "/etc/innerwarden/cert.pfx", null, null, "plugin_settings.http.tls: off conflicts with tls_certificate; use tls: certificate, or drop tls_certificate")]
    [InlineData("certificate", null, null, null, "plugin_settings.http.tls: certificate needs tls_certificate (a PFX file, or a PEM file with tls_key)")]
    [InlineData(null, null, "/etc/innerwarden/privkey.pem", null, "plugin_settings.http.tls_key: is the key of a PEM tls_certificate, which is not set")]
    [InlineData("off", null, null, "false", "plugin_settings.http.plain_http: false with tls: off leaves nothing to serve")]
    public void Settings_that_contradict_each_other_are_an_error_naming_the_key(string? tls, string? certificate, string? key, string? plain, string expected)
    {
        var settings = new Dictionary<string, string>();
        foreach (var (name, value) in new[] { ("tls", tls), ("tls_certificate", certificate), ("tls_key", key), ("plain_http", plain) })
        {
            if (value is not null)
            {
                settings[name] = value;
            }
        }

        var error = Assert.Throws<ArgumentException>(() => HttpTransportOptions.FromSettings(settings));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}

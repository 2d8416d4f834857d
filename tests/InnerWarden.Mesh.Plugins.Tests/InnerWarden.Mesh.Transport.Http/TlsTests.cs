using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using InnerWarden.Mesh.Transport.Http;
using InnerWarden.Mesh.Transport.Http.Client;
using InnerWarden.Mesh.Transport.Http.Server;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>Issue 14 item 3: HTTPS by default between real Kestrel nodes on loopback, http:// peers still served.</summary>
public sealed class TlsTests
{
    private const int UnreachableEvent = 3148;

    [Fact]
    public async Task Default_nodes_talk_over_https_with_a_private_certificate_made_once_and_reused()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("iw-tls-").FullName;
        var pfx = Path.Combine(dataDirectory, TlsCertificate.SelfSignedFileName);
        byte[] firstCertificate;
        await using (var b = await TestNode.StartAsync(dataDirectory: dataDirectory))
        {
            Assert.Equal("https", b.Address.Scheme);
            Assert.True(File.Exists(pfx));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pfx));
            }
            firstCertificate = await File.ReadAllBytesAsync(pfx);
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            await using var a = await TestNode.StartAsync([b.Address], time: time);
            var signal = TestSignals.Make("185.220.7.1", time.GetUtcNow());

            await a.BroadcastAsync(signal);

            Assert.Equal(signal, Assert.Single(b.Sink.Signals));
            var link = Assert.Single(a.Transport.GetPeerLinks());
            Assert.Equal("msgpack", link.Encoding);
            Assert.True(link.Reachable);
            Assert.Null(link.Problem);
        }

        await using (await TestNode.StartAsync(dataDirectory: dataDirectory))
        {
            Assert.Equal(firstCertificate, await File.ReadAllBytesAsync(pfx));
        }
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public void Self_signed_certificate_is_ecdsa_p256_for_years_and_names_the_loopbacks()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = X509CertificateLoader.LoadPkcs12(TlsCertificate.CreateSelfSigned(now), null);

        using var key = certificate.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.True(certificate.NotAfter > now.AddYears(9).UtcDateTime);
        Assert.True(certificate.MatchesHostname("localhost"));
        Assert.True(certificate.MatchesHostname("127.0.0.1"));
        Assert.True(certificate.MatchesHostname("::1"));
    }

    [Fact]
    public async Task A_default_node_still_serves_a_peer_that_lists_it_as_http()
    {
        await using var b = await TestNode.StartAsync();
        var plain = b.PlainAddress;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([plain], time: time);
        var signal = TestSignals.Make("185.220.7.3", time.GetUtcNow());

        await a.BroadcastAsync(signal);

        Assert.Equal("https", b.Address.Scheme);
        Assert.Equal(signal, Assert.Single(b.Sink.Signals));
        Assert.True(Assert.Single(a.Transport.GetPeerLinks()).Reachable);
    }

    [Fact]
    public async Task A_tls_only_node_refuses_plain_http_and_the_sender_is_told_to_use_https()
    {
        await using var b = await TestNode.StartAsync(options: new HttpTransportOptions { AcceptPlainHttp = false });
        var plain = b.PlainAddress;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([plain], time: time);

        await a.BroadcastAsync(TestSignals.Make("185.220.7.4", time.GetUtcNow()));

        Assert.Empty(b.Sink.Received);
        var link = Assert.Single(a.Transport.GetPeerLinks());
        Assert.Equal(PeerProblem.HttpsOnlyPeer, link.Problem);
        Assert.Equal(1, link.PendingDeliveries);
    }

    [Fact]
    public async Task An_https_peer_that_speaks_plain_http_is_reported_once_as_such_and_its_signals_wait()
    {
        await using var b = await TestNode.StartAsync(options: new HttpTransportOptions { Tls = TlsMode.Off });
        var https = new UriBuilder(b.Address) { Scheme = "https", Port = b.Address.Port }.Uri;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new RecordingLogs();
        await using var a = await TestNode.StartAsync([https], time: time, logs: logs);

        await a.BroadcastAsync(TestSignals.Make("185.220.7.5", time.GetUtcNow()));
        await a.BroadcastAsync(TestSignals.Make("185.220.7.6", time.GetUtcNow()));
        await a.Transport.PingAsync(https, CancellationToken.None);

        Assert.Equal("http", b.Address.Scheme);
        Assert.Empty(b.Sink.Received);
        var link = Assert.Single(a.Transport.GetPeerLinks());
        Assert.Equal(PeerProblem.PlainHttpPeer, link.Problem);
        Assert.False(link.Reachable);
        Assert.Equal(2, link.PendingDeliveries);
        var line = Assert.Single(logs.WithEvent(UnreachableEvent));
        Assert.Contains("TLS handshake failed: peer speaks plain HTTP", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_is_connection_refused_and_the_peer_coming_up_clears_it()
    {
        var port = TestNode.ReservePort();
        var endpoint = new Uri($"https://127.0.0.1:{port}");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new RecordingLogs();
        await using var a = await TestNode.StartAsync([endpoint], time: time, logs: logs);

        Assert.Null(await a.Transport.PingAsync(endpoint, CancellationToken.None));
        Assert.Null(await a.Transport.PingAsync(endpoint, CancellationToken.None));
        Assert.Equal("connection refused", Assert.Single(a.Transport.GetPeerLinks()).Problem);

        await using var b = await TestNode.StartAsync(port: port);
        Assert.NotNull(await a.Transport.PingAsync(endpoint, CancellationToken.None));

        var link = Assert.Single(a.Transport.GetPeerLinks());
        Assert.Null(link.Problem);
        Assert.True(link.Reachable);
        Assert.Contains("connection refused", Assert.Single(logs.WithEvent(UnreachableEvent)), StringComparison.Ordinal);
        Assert.Single(logs.WithEvent(3149));
    }

    [Fact]
    public async Task A_peer_that_never_answers_is_a_timeout()
    {
        await using var silent = new SilentPeer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([silent.Address], new HttpTransportOptions { Timeout = TimeSpan.FromMilliseconds(300) }, time);

        Assert.Null(await a.Transport.PingAsync(silent.Address, CancellationToken.None));

        Assert.Equal("timeout after 300 ms", Assert.Single(a.Transport.GetPeerLinks()).Problem);
    }

    [Fact]
    public async Task Client_that_verifies_certificates_refuses_a_self_signed_peer_and_says_why()
    {
        await using var b = await TestNode.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([b.Address], new HttpTransportOptions { VerifyPeerCertificates = true }, time);

        await a.BroadcastAsync(TestSignals.Make("185.220.7.2", time.GetUtcNow()));

        Assert.Empty(b.Sink.Received);
        var link = Assert.Single(a.Transport.GetPeerLinks());
        Assert.Equal(1, link.PendingDeliveries);
        Assert.StartsWith("TLS handshake failed: ", link.Problem, StringComparison.Ordinal);
        Assert.NotEqual(PeerProblem.PlainHttpPeer, link.Problem);
    }

    [Fact]
    public async Task Configured_pfx_certificate_is_served()
    {
        var directory = Directory.CreateTempSubdirectory("iw-pfx-").FullName;
        var path = Path.Combine(directory, "server.pfx");
        using (var made = X509CertificateLoader.LoadPkcs12(TlsCertificate.CreateSelfSigned(DateTimeOffset.UtcNow), null))
        {
            await File.WriteAllBytesAsync(path, made.Export(X509ContentType.Pkcs12, "secret"));
        }
        var options = new HttpTransportOptions { Tls = TlsMode.Certificate, CertificatePath = path, CertificatePassword = "secret" };
        await using var b = await TestNode.StartAsync(options: options);
        await using var a = await TestNode.StartAsync();

        var reply = await a.Transport.PingAsync(b.Address, CancellationToken.None);

        Assert.Equal("https", b.Address.Scheme);
        Assert.NotNull(reply);
        Assert.True(reply.SupportsMessagePack);
        Assert.False(File.Exists(Path.Combine(b.DataDirectory, TlsCertificate.SelfSignedFileName)));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Configured_pem_certificate_and_key_are_served()
    {
        var directory = Directory.CreateTempSubdirectory("iw-pem-").FullName;
        var certPath = Path.Combine(directory, "fullchain.pem");
        var keyPath = Path.Combine(directory, "privkey.pem");
        using (var made = X509CertificateLoader.LoadPkcs12(TlsCertificate.CreateSelfSigned(DateTimeOffset.UtcNow), null))
        using (var key = made.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no key"))
        {
            await File.WriteAllTextAsync(certPath, made.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }
        var options = new HttpTransportOptions { Tls = TlsMode.Certificate, CertificatePath = certPath, CertificateKeyPath = keyPath };
        await using var b = await TestNode.StartAsync(options: options);
        await using var a = await TestNode.StartAsync();

        Assert.NotNull(await a.Transport.PingAsync(b.Address, CancellationToken.None));
        Assert.Equal("https", b.Address.Scheme);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_pem_certificate_without_its_key_is_an_error_naming_the_setting_and_the_fix()
    {
        var directory = Directory.CreateTempSubdirectory("iw-pem-").FullName;
        var certPath = Path.Combine(directory, "cert.pem");
        using (var made = X509CertificateLoader.LoadPkcs12(TlsCertificate.CreateSelfSigned(DateTimeOffset.UtcNow), null))
        {
            await File.WriteAllTextAsync(certPath, made.ExportCertificatePem());
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestNode.StartAsync(options: new HttpTransportOptions { Tls = TlsMode.Certificate, CertificatePath = certPath }));

        Assert.StartsWith($"plugin_settings.http.tls_certificate: cannot load '{certPath}' (a PEM certificate needs tls_key beside it)", error.Message, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Unreadable_self_signed_file_is_an_error_saying_to_delete_it()
    {
        var directory = Directory.CreateTempSubdirectory("iw-tls-").FullName;
        var file = Path.Combine(directory, TlsCertificate.SelfSignedFileName);
        await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(64));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestNode.StartAsync(dataDirectory: directory));

        Assert.StartsWith($"the self-signed TLS certificate {file} is unreadable", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("delete it to make a new one", error.Message, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }
}

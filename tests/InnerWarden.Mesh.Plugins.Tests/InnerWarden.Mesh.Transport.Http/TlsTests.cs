using System.Security.Cryptography.X509Certificates;
using InnerWarden.Mesh.Transport.Http;
using InnerWarden.Mesh.Transport.Http.Server;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

public sealed class TlsTests
{
    private static readonly HttpTransportOptions SelfSigned = new() { SelfSignedTls = true };

    [Fact]
    public async Task Self_signed_server_is_reached_over_https_and_its_certificate_is_private_and_reused()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("iw-tls-").FullName;
        var pfx = Path.Combine(dataDirectory, TlsCertificate.SelfSignedFileName);
        byte[] firstCertificate;
        await using (var b = await TestNode.StartAsync(options: SelfSigned, dataDirectory: dataDirectory))
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
            Assert.Equal("msgpack", Assert.Single(a.Transport.GetPeerLinks()).Encoding);
        }

        await using (await TestNode.StartAsync(options: SelfSigned, dataDirectory: dataDirectory))
        {
            Assert.Equal(firstCertificate, await File.ReadAllBytesAsync(pfx));
        }
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Client_that_verifies_certificates_refuses_a_self_signed_peer()
    {
        await using var b = await TestNode.StartAsync(options: SelfSigned);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([b.Address], new HttpTransportOptions { VerifyPeerCertificates = true }, time);

        await a.BroadcastAsync(TestSignals.Make("185.220.7.2", time.GetUtcNow()));

        Assert.Empty(b.Sink.Received);
        Assert.Equal(1, Assert.Single(a.Transport.GetPeerLinks()).PendingDeliveries);
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
        var options = new HttpTransportOptions { CertificatePath = path, CertificatePassword = "secret" };
        await using var b = await TestNode.StartAsync(options: options);
        await using var a = await TestNode.StartAsync();

        var reply = await a.Transport.PingAsync(b.Address, CancellationToken.None);

        Assert.Equal("https", b.Address.Scheme);
        Assert.NotNull(reply);
        Assert.True(reply.SupportsMessagePack);
        Assert.False(File.Exists(Path.Combine(b.DataDirectory, TlsCertificate.SelfSignedFileName)));
        Directory.Delete(directory, recursive: true);
    }
}

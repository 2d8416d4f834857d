using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Http.Server;

/// <summary>
/// The server certificate: the configured PFX, or a self-signed ECDSA P-256 one made on first start into
/// <c>&lt;data_dir&gt;/mesh-tls.pfx</c> (mode 0600) and reused after. TLS here hides traffic from onlookers; it does
/// not authenticate peers (their Ed25519 signatures do), which is why a self-signed certificate is enough.
/// </summary>
internal static partial class TlsCertificate
{
    public const string SelfSignedFileName = "mesh-tls.pfx";

    public static X509Certificate2 Load(HttpTransportOptions options, string dataDirectory, TimeProvider time, ILogger logger)
    {
        if (options.CertificatePath is { } path)
        {
            try
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"plugin_settings.http.tls_certificate: cannot load '{path}': {ex.Message}", ex);
            }
        }
        var file = Path.Combine(dataDirectory, SelfSignedFileName);
        if (File.Exists(file))
        {
            try
            {
                return X509CertificateLoader.LoadPkcs12FromFile(file, password: null);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidOperationException($"the self-signed certificate '{file}' is unreadable ({ex.Message}); delete it to make a new one", ex);
            }
        }
        var pfx = CreateSelfSigned(time.GetUtcNow());
        WritePrivately(dataDirectory, file, pfx);
        LogCreated(logger, file);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }

    internal static byte[] CreateSelfSigned(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=innerwarden-mesh {Dns.GetHostName()}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Dns.GetHostName());
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return certificate.Export(X509ContentType.Pkcs12);
    }

    // Temp file + rename so a crash never leaves half a key; 0600 because the file holds the private key.
    private static void WritePrivately(string directory, string file, byte[] content)
    {
        Directory.CreateDirectory(directory);
        var temp = file + ".tmp";
        var streamOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, streamOptions))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, file, overwrite: true);
    }

    [LoggerMessage(EventId = 3120, Level = LogLevel.Information, Message = "made a self-signed TLS certificate for the mesh transport at {Path}")]
    private static partial void LogCreated(ILogger logger, string path);
}

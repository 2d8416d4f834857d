using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Http.Server;

/// <summary>
/// The server certificate: the operator's (PFX, or PEM certificate + key), or a self-signed ECDSA P-256 one made on
/// first start into <c>&lt;data_dir&gt;/mesh-tls.pfx</c> (0600, the service's, written by the host's
/// <see cref="IPrivateDataFiles"/>) and reused after. TLS here hides traffic from onlookers; it does not authenticate
/// peers (their Ed25519 signatures do), which is why a self-signed certificate is enough.
/// </summary>
internal static partial class TlsCertificate
{
    public const string SelfSignedFileName = "mesh-tls.pfx";

    private static readonly TimeSpan Validity = TimeSpan.FromDays(3650);

    public static X509Certificate2 Load(
        HttpTransportOptions options, string dataDirectory, IPEndPoint bind, IPrivateDataFiles files, TimeProvider time, ILogger logger)
    {
        if (options.Tls == TlsMode.Certificate)
        {
            return LoadConfigured(options);
        }
        var file = Path.Combine(dataDirectory, SelfSignedFileName);
        var now = time.GetUtcNow();
        if (File.Exists(file))
        {
            X509Certificate2 existing;
            try
            {
                existing = X509CertificateLoader.LoadPkcs12FromFile(file, password: null);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"the self-signed TLS certificate {file} is unreadable ({ex.Message}); delete it to make a new one", ex);
            }
            if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime)
            {
                return existing;
            }
            LogExpired(logger, file, existing.NotAfter);
            existing.Dispose();
        }
        var pfx = CreateSelfSigned(now, SubjectNames(bind));
        files.Write(SelfSignedFileName, pfx);
        LogCreated(logger, file);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }

    private static X509Certificate2 LoadConfigured(HttpTransportOptions options)
    {
        // Checked at settings time: certificate mode always has a path.
        var path = options.CertificatePath!;
        try
        {
            if (options.CertificateKeyPath is not { } keyPath)
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
            }
            using var pem = options.CertificatePassword is { } password
                ? X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath)
                : X509Certificate2.CreateFromPemFile(path, keyPath);
            // Through PKCS#12 so the key is a persisted one, which SslStream needs on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            var hint = options.CertificateKeyPath is null ? " (a PEM certificate needs tls_key beside it)" : "";
            throw new InvalidOperationException($"plugin_settings.http.tls_certificate: cannot load '{path}'{hint}: {ex.Message}", ex);
        }
    }

    /// <summary>A PKCS#12 of a fresh self-signed certificate for these names (DNS names and IP addresses).</summary>
    internal static byte[] CreateSelfSigned(DateTimeOffset now, IReadOnlyCollection<string>? names = null)
    {
        names ??= SubjectNames(new IPEndPoint(IPAddress.Loopback, 0));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=innerwarden-mesh {Dns.GetHostName()}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(name);
            }
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now + Validity);
        return certificate.Export(X509ContentType.Pkcs12);
    }

    /// <summary>
    /// What peers may call this node: localhost, the host name and the loopbacks, plus the bind address, or every
    /// address of the host's interfaces when it binds them all. Only a peer with <c>tls_verify</c> reads these.
    /// </summary>
    internal static IReadOnlyCollection<string> SubjectNames(IPEndPoint bind)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal) { "localhost", Dns.GetHostName(), IPAddress.Loopback.ToString(), IPAddress.IPv6Loopback.ToString() };
        if (bind.Address.Equals(IPAddress.Any) || bind.Address.Equals(IPAddress.IPv6Any))
        {
            try
            {
                foreach (var unicast in NetworkInterface.GetAllNetworkInterfaces().SelectMany(nic => nic.GetIPProperties().UnicastAddresses))
                {
                    if (unicast.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 && !unicast.Address.IsIPv6LinkLocal)
                    {
                        names.Add(unicast.Address.ToString());
                    }
                }
            }
            catch (NetworkInformationException)
            {
                // Names are a courtesy for verifying peers: a host that will not list its interfaces still serves.
            }
        }
        else
        {
            names.Add(bind.Address.ToString());
        }
        return names;
    }

    // Debug: the node's one start-up line says https:// (issue 14 item 5); the file is there for whoever looks.
    [LoggerMessage(EventId = 3120, Level = LogLevel.Debug, Message = "made a self-signed TLS certificate for the mesh transport at {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 3121, Level = LogLevel.Warning, Message = "the self-signed TLS certificate {Path} expired on {NotAfter}; making a new one")]
    private static partial void LogExpired(ILogger logger, string path, DateTime notAfter);
}

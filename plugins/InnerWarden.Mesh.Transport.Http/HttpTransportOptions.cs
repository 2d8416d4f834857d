using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Transport.Http;

/// <summary>
/// The <c>http</c> transport's settings, read once from <c>plugin_settings: http:</c> against <see cref="Definitions"/>
/// (the keys, defaults and ranges; <c>tls_verify</c>: see <see cref="Client.PeerClient"/>).
/// </summary>
internal sealed record HttpTransportOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(3000);
    public TlsMode Tls { get; init; } = TlsMode.SelfSigned;
    public string? CertificatePath { get; init; }
    public string? CertificateKeyPath { get; init; }
    public string? CertificatePassword { get; init; }

    /// <summary>A TLS listener also serves plain HTTP on the same port (original nodes, peers configured with http://).</summary>
    public bool AcceptPlainHttp { get; init; } = true;
    public bool VerifyPeerCertificates { get; init; }
    public int OutboxCapacity { get; init; } = 10_000;
    public long MaxBodyBytes { get; init; } = 16 * 1024;
    public long MaxBatchBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>First retry of an undelivered signal; doubles per failed round up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a peer's breaker stays open before one trial request is let through.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    public bool ServesTls => Tls != TlsMode.Off;

    /// <summary>The keys of <c>plugin_settings.http</c>.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.WholeNumber("timeout_ms", 3000, 1, 600_000, "per-peer request timeout, in milliseconds"),
        PluginSettingDefinition.Choice("tls", "self-signed", ["self-signed", "certificate", "off"],
            "self-signed: HTTPS with an ECDSA certificate made on first start into `<data_dir>/mesh-tls.pfx` (0600); certificate: HTTPS with tls_certificate; off: plain HTTP only"),
        PluginSettingDefinition.FilePath("tls_certificate", null, "the certificate of tls: certificate: a PFX file, or a PEM file with tls_key (setting it alone implies tls: certificate)"),
        PluginSettingDefinition.FilePath("tls_key", null, "the PEM private key of a PEM tls_certificate"),
        PluginSettingDefinition.Text("tls_certificate_password", null, "password of a PFX tls_certificate (or of an encrypted PEM tls_key)"),
        PluginSettingDefinition.Flag("plain_http", true, "with TLS on, also serve plain HTTP on the same port (original nodes, peers that list this node as http://); false: TLS only"),
        PluginSettingDefinition.Flag("tls_verify", false, "validate peers' certificates (off: a peer is authenticated by its Ed25519 signature, not its certificate)"),
        PluginSettingDefinition.WholeNumber("outbox_capacity", 10_000, 0, 10_000_000, "undelivered signals kept per peer for retry (the oldest are dropped)"),
        PluginSettingDefinition.WholeNumber("max_body_bytes", 16 * 1024, 1024, 1024 * 1024, "largest single-signal request body (413 beyond)"),
        PluginSettingDefinition.WholeNumber("max_batch_body_bytes", 4 * 1024 * 1024, 1024, 256L * 1024 * 1024, "largest batch request body (413 beyond)"),
    ];

    /// <summary>The rules across keys: one source of the server certificate, and something to serve.</summary>
    public static IReadOnlyList<PluginSettingProblem> Check(PluginSettingValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var problems = new List<PluginSettingProblem>();
        var mode = ModeOf(values);
        if (mode != TlsMode.Certificate && values.IsSet("tls_certificate"))
        {
            problems.Add(new PluginSettingProblem("tls", $"{values.GetText("tls")} conflicts with tls_certificate; use tls: certificate, or drop tls_certificate"));
        }
        if (mode == TlsMode.Certificate && !values.IsSet("tls_certificate"))
        {
            problems.Add(new PluginSettingProblem("tls", "certificate needs tls_certificate (a PFX file, or a PEM file with tls_key)"));
        }
        if (values.IsSet("tls_key") && !values.IsSet("tls_certificate"))
        {
            problems.Add(new PluginSettingProblem("tls_key", "is the key of a PEM tls_certificate, which is not set"));
        }
        if (mode == TlsMode.Off && values.IsSet("plain_http") && !values.GetFlag("plain_http"))
        {
            problems.Add(new PluginSettingProblem("plain_http", "false with tls: off leaves nothing to serve"));
        }
        return problems;
    }

    // tls_certificate alone means the operator's certificate: the default (self-signed) would otherwise conflict with it.
    private static TlsMode ModeOf(PluginSettingValues values) => values.GetText("tls") switch
    {
        "off" => TlsMode.Off,
        "certificate" => TlsMode.Certificate,
        _ when !values.IsSet("tls") && values.IsSet("tls_certificate") => TlsMode.Certificate,
        _ => TlsMode.SelfSigned,
    };

    /// <summary>Reads the settings map; a bad value is an error naming the key and the value.</summary>
    public static HttpTransportOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        var values = PluginSettingValues.Parse("http", Definitions, settings, Check);
        return new HttpTransportOptions
        {
            Timeout = TimeSpan.FromMilliseconds(values.GetWholeNumber("timeout_ms")),
            Tls = ModeOf(values),
            CertificatePath = values.GetText("tls_certificate"),
            CertificateKeyPath = values.GetText("tls_key"),
            AcceptPlainHttp = values.GetFlag("plain_http"),
            CertificatePassword = values.GetText("tls_certificate_password"),
            VerifyPeerCertificates = values.GetFlag("tls_verify"),
            OutboxCapacity = (int)values.GetWholeNumber("outbox_capacity"),
            MaxBodyBytes = values.GetWholeNumber("max_body_bytes"),
            MaxBatchBodyBytes = values.GetWholeNumber("max_batch_body_bytes"),
        };
    }
}

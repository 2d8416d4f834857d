using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Transport.Http;

/// <summary>
/// The <c>http</c> transport's settings, read once from <c>plugin_settings: http:</c> against <see cref="Definitions"/>
/// (the keys, defaults and ranges; <c>tls_verify</c>: see <see cref="Client.PeerClient"/>).
/// </summary>
internal sealed record HttpTransportOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(3000);
    public bool SelfSignedTls { get; init; }
    public string? CertificatePath { get; init; }
    public string? CertificatePassword { get; init; }
    public bool VerifyPeerCertificates { get; init; }
    public int OutboxCapacity { get; init; } = 10_000;
    public long MaxBodyBytes { get; init; } = 16 * 1024;
    public long MaxBatchBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>First retry of an undelivered signal; doubles per failed round up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a peer's breaker stays open before one trial request is let through.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    public bool ServesTls => SelfSignedTls || CertificatePath is not null;

    /// <summary>The keys of <c>plugin_settings.http</c>.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.WholeNumber("timeout_ms", 3000, 1, 600_000, "per-peer request timeout, in milliseconds"),
        PluginSettingDefinition.Choice("tls", "off", ["off", "self-signed"], "self-signed serves HTTPS with a certificate generated into the data dir (tls_certificate serves your own)"),
        PluginSettingDefinition.FilePath("tls_certificate", null, "serve HTTPS with this PFX file (conflicts with tls: self-signed)"),
        PluginSettingDefinition.Text("tls_certificate_password", null, "password of the tls_certificate file"),
        PluginSettingDefinition.Flag("tls_verify", false, "validate peers' certificates (off: a peer is authenticated by its Ed25519 signature, not its certificate)"),
        PluginSettingDefinition.WholeNumber("outbox_capacity", 10_000, 0, 10_000_000, "undelivered signals kept per peer for retry (the oldest are dropped)"),
        PluginSettingDefinition.WholeNumber("max_body_bytes", 16 * 1024, 1024, 1024 * 1024, "largest single-signal request body (413 beyond)"),
        PluginSettingDefinition.WholeNumber("max_batch_body_bytes", 4 * 1024 * 1024, 1024, 256L * 1024 * 1024, "largest batch request body (413 beyond)"),
    ];

    /// <summary>The rule across keys: one source of the server certificate.</summary>
    public static IReadOnlyList<PluginSettingProblem> Check(PluginSettingValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.GetText("tls") == "self-signed" && values.IsSet("tls_certificate")
            ? [new PluginSettingProblem("tls", "self-signed conflicts with tls_certificate; set one of them")]
            : [];
    }

    /// <summary>Reads the settings map; a bad value is an error naming the key and the value.</summary>
    public static HttpTransportOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        var values = PluginSettingValues.Parse("http", Definitions, settings, Check);
        return new HttpTransportOptions
        {
            Timeout = TimeSpan.FromMilliseconds(values.GetWholeNumber("timeout_ms")),
            SelfSignedTls = values.GetText("tls") == "self-signed",
            CertificatePath = values.GetText("tls_certificate"),
            CertificatePassword = values.GetText("tls_certificate_password"),
            VerifyPeerCertificates = values.GetFlag("tls_verify"),
            OutboxCapacity = (int)values.GetWholeNumber("outbox_capacity"),
            MaxBodyBytes = values.GetWholeNumber("max_body_bytes"),
            MaxBatchBodyBytes = values.GetWholeNumber("max_batch_body_bytes"),
        };
    }
}

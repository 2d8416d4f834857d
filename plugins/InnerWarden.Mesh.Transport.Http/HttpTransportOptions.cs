using InnerWarden.Mesh.Transport.Common.Settings;

namespace InnerWarden.Mesh.Transport.Http;

/// <summary>
/// The <c>http</c> transport's settings, read once from <c>plugin_settings: http:</c> (flat strings):
/// <list type="bullet">
/// <item><c>timeout_ms</c> — per-peer request timeout (default 3000).</item>
/// <item><c>tls</c> — <c>self-signed</c> to serve HTTPS with a certificate generated into the data dir; <c>off</c> (default).</item>
/// <item><c>tls_certificate</c>, <c>tls_certificate_password</c> — serve HTTPS with this PFX instead.</item>
/// <item><c>tls_verify</c> — <c>true</c> to validate peers' certificates (default false; see <see cref="Client.PeerClient"/>).</item>
/// <item><c>outbox_capacity</c> — undelivered signals kept per peer (default 10000; oldest dropped).</item>
/// <item><c>max_body_bytes</c>, <c>max_batch_body_bytes</c> — request body limits (default 16384 and 4194304).</item>
/// </list>
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

    /// <summary>Reads the settings map; a bad value is an error naming the key and the value.</summary>
    public static HttpTransportOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        var options = new HttpTransportOptions();
        foreach (var (key, value) in settings)
        {
            options = key switch
            {
                "timeout_ms" => options with { Timeout = TimeSpan.FromMilliseconds(Integer(key, value, 1, 600_000)) },
                "tls" => options with { SelfSignedTls = Tls(key, value) },
                "tls_certificate" => options with { CertificatePath = NonEmpty(key, value) },
                "tls_certificate_password" => options with { CertificatePassword = value },
                "tls_verify" => options with { VerifyPeerCertificates = Boolean(key, value) },
                "outbox_capacity" => options with { OutboxCapacity = (int)Integer(key, value, 0, 10_000_000) },
                "max_body_bytes" => options with { MaxBodyBytes = Integer(key, value, 1024, 1024 * 1024) },
                "max_batch_body_bytes" => options with { MaxBatchBodyBytes = Integer(key, value, 1024, 256L * 1024 * 1024) },
                _ => throw Bad(key, value, "is not a setting of the http transport (known: timeout_ms, tls, tls_certificate, "
                    + "tls_certificate_password, tls_verify, outbox_capacity, max_body_bytes, max_batch_body_bytes)"),
            };
        }
        if (options.SelfSignedTls && options.CertificatePath is not null)
        {
            throw Bad("tls", "self-signed", "conflicts with tls_certificate; set one of them");
        }
        return options;
    }

    private const string Plugin = "http";

    private static long Integer(string key, string value, long min, long max) => SettingValues.WholeNumber(Plugin, key, value, min, max);

    private static bool Boolean(string key, string value) => SettingValues.Boolean(Plugin, key, value);

    private static bool Tls(string key, string value) => value.Trim().ToLowerInvariant() switch
    {
        "self-signed" => true,
        "off" or "false" or "" => false,
        _ => throw Bad(key, value, "must be `self-signed` or `off` (use tls_certificate for a PFX file)"),
    };

    private static string NonEmpty(string key, string value) => SettingValues.NonEmpty(Plugin, key, value, "must be a file path");

    private static ArgumentException Bad(string key, string value, string problem) => SettingValues.Bad(Plugin, key, value, problem);
}

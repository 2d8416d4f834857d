using System.Globalization;
using System.Text;
using InnerWarden.Mesh.Transport.Common.Settings;
using NATS.NKeys;

namespace InnerWarden.Mesh.Transport.Nats;

/// <summary>
/// The <c>nats</c> transport's settings, read once from <c>plugin_settings: nats:</c> (flat strings; a list is
/// comma-separated). Every bad value is refused at registration with the key and the value, before any network use:
/// <list type="bullet">
/// <item><c>servers</c> — required: <c>nats://host:port</c> or <c>tls://host:port</c> URLs of the NATS cluster (or leaf node).</item>
/// <item><c>subject</c> — what signals are published on and consumed from (default <c>innerwarden.mesh.signals.v1</c>).</item>
/// <item><c>stream</c> — the JetStream stream holding the last hour of signals (default <c>INNERWARDEN_MESH</c>); created when absent.</item>
/// <item><c>replicas</c> — copies of the stream a new stream is created with (default 1; 3 on a 3-server cluster).</item>
/// <item><c>domain</c> — the JetStream domain of the hubs, for nodes behind a leaf node (default none: the server's own JetStream).</item>
/// <item><c>catch_up</c> — replay what this node missed through its durable consumer (default true); false: new signals only.</item>
/// <item><c>creds_file</c>, <c>nkey_seed_file</c>, <c>user</c> + <c>password</c> — one way to authenticate, or none.</item>
/// <item><c>tls_ca</c> — CA certificate (PEM) to verify the servers' TLS certificates with.</item>
/// <item><c>randomize_servers</c> — connect to the servers in random order (default true, spreading nodes); false: in the listed order.</item>
/// <item><c>timeout_ms</c> — connect, publish-acknowledgement and JetStream API timeout (default 5000).</item>
/// <item><c>outbox_capacity</c> — signals kept for publishing while the cluster is unreachable (default 10000; oldest dropped).</item>
/// </list>
/// </summary>
internal sealed record NatsTransportOptions
{
    public const string DefaultSubject = "innerwarden.mesh.signals.v1";
    public const string DefaultStream = "INNERWARDEN_MESH";

    /// <summary>JetStream keeps at most five copies of a stream.</summary>
    public const int MaxReplicas = 5;

    private const string Known = "servers, subject, stream, replicas, domain, catch_up, creds_file, nkey_seed_file, user, password, tls_ca, "
        + "randomize_servers, timeout_ms, outbox_capacity";

    public IReadOnlyList<Uri> Servers { get; init; } = [];
    public string Subject { get; init; } = DefaultSubject;
    public string Stream { get; init; } = DefaultStream;
    public int Replicas { get; init; } = 1;
    public string? Domain { get; init; }
    public bool CatchUp { get; init; } = true;
    public string? CredsFile { get; init; }
    public string? NKeySeedFile { get; init; }

    /// <summary>The user seed read from <see cref="NKeySeedFile"/> at registration (secret: never printed).</summary>
    public string? NKeySeed { get; init; }

    /// <summary>The public key of <see cref="NKeySeed"/>, which the server knows the user by.</summary>
    public string? NKeyPublic { get; init; }
    public string? User { get; init; }
    public string? Password { get; init; }
    public string? TlsCa { get; init; }
    public bool RandomizeServers { get; init; } = true;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public int OutboxCapacity { get; init; } = 10_000;

    /// <summary>
    /// First retry of an unpublished signal; doubles per failed round up to <see cref="MaxRetryDelay"/>. Short: a
    /// cluster electing a new stream leader answers again within a second or two.
    /// </summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The stream keeps an hour: receivers refuse signals older than that, so a longer history only costs disk.
    /// The duplicate window is as long, so a signal re-published by the outbox at any point of its life is stored once.
    /// </summary>
    public static readonly TimeSpan StreamMaxAge = TimeSpan.FromHours(1);

    /// <summary>The servers as NATS's client takes them: one comma-separated string.</summary>
    public string ServerList => string.Join(',', Servers.Select(server => server.GetLeftPart(UriPartial.Authority)));

    /// <summary>Reads the settings map; a bad value is an error naming the key and the value.</summary>
    public static NatsTransportOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new NatsTransportOptions();
        foreach (var (key, value) in settings)
        {
            options = key switch
            {
                "servers" => options with { Servers = ServerUrls(key, value) },
                "subject" => options with { Subject = SubjectName(key, value) },
                "stream" => options with { Stream = StreamName(key, value) },
                "replicas" => options with { Replicas = (int)Integer(key, value, 1, MaxReplicas) },
                "domain" => options with { Domain = DomainName(key, value) },
                "catch_up" => options with { CatchUp = Boolean(key, value) },
                "creds_file" => options with { CredsFile = ReadableFile(key, value) },
                "nkey_seed_file" => WithSeed(options, key, value),
                "user" => options with { User = NonEmpty(key, value, "must be a user name") },
                "password" => options with { Password = value },
                "tls_ca" => options with { TlsCa = ReadableFile(key, value) },
                "randomize_servers" => options with { RandomizeServers = Boolean(key, value) },
                "timeout_ms" => options with { Timeout = TimeSpan.FromMilliseconds(Integer(key, value, 100, 600_000)) },
                "outbox_capacity" => options with { OutboxCapacity = (int)Integer(key, value, 0, 10_000_000) },
                _ => throw Bad(key, value, $"is not a setting of the nats transport (known: {Known})"),
            };
        }
        if (options.Servers.Count == 0)
        {
            throw new ArgumentException("plugin_settings.nats.servers is required: the NATS servers to connect to, e.g. nats://nats1:4222,nats://nats2:4222");
        }
        var methods = new[] { ("creds_file", options.CredsFile), ("nkey_seed_file", options.NKeySeedFile), ("user", options.User) }
            .Where(method => method.Item2 is not null)
            .Select(method => method.Item1)
            .ToArray();
        if (methods.Length > 1)
        {
            throw new ArgumentException($"plugin_settings.nats: {string.Join(" and ", methods)} are each a way to authenticate; set one of them");
        }
        if (options.Password is not null && options.User is null)
        {
            throw new ArgumentException("plugin_settings.nats.password is set without user; set both or neither");
        }
        if (options.User is not null && options.Password is null)
        {
            throw new ArgumentException($"plugin_settings.nats.user '{options.User}' is set without password; set both or neither");
        }
        return options;
    }

    private static List<Uri> ServerUrls(string key, string value)
    {
        var servers = new List<Uri>();
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(item, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls"))
            {
                throw Bad(key, item, "must be a nats://host:port or tls://host:port URL");
            }
            if (uri.UserInfo.Length > 0)
            {
                // Credentials in a URL end up in logs and in `mesh peers`; they have keys of their own.
                throw Bad(key, Redacted(uri), "carries credentials; put them in user/password, creds_file or nkey_seed_file instead");
            }
            if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                throw Bad(key, item, "must be only scheme, host and port (no path or query)");
            }
            if (uri.Port <= 0)
            {
                throw Bad(key, item, "must name a port, e.g. nats://nats1:4222");
            }
            servers.Add(uri);
        }
        if (servers.Count == 0)
        {
            throw Bad(key, value, "must list at least one server");
        }
        return servers;
    }

    // A publish subject: dot-separated non-empty tokens, no wildcards, no whitespace.
    private static string SubjectName(string key, string value)
    {
        var tokens = value.Split('.');
        foreach (var token in tokens)
        {
            if (token.Length == 0 || token is "*" or ">" || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '*' or '>'))
            {
                throw Bad(key, value, "must be a NATS subject without wildcards, e.g. innerwarden.mesh.signals.v1");
            }
        }
        return value;
    }

    // Stream names become directory names on the servers; NATS forbids '.', '*', '>', path separators and whitespace.
    private static string StreamName(string key, string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? value
            : throw Bad(key, value, "must be 1 - 64 letters, digits, '_' or '-', e.g. INNERWARDEN_MESH");

    // The file `nk -gen user` writes: the seed (SU...) on a line of its own, other lines (a public key, comments) ignored.
    private static NatsTransportOptions WithSeed(NatsTransportOptions options, string key, string value)
    {
        ReadableFile(key, value);
        string? seed;
        try
        {
            seed = File.ReadLines(value).Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("SU", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Bad(key, value, $"cannot be read: {ex.Message}");
        }
        if (seed is null)
        {
            throw Bad(key, value, "holds no user seed (a line starting with SU, as `nk -gen user` writes)");
        }
        try
        {
            using var pair = KeyPair.FromSeed(seed);
            return options with { NKeySeedFile = value, NKeySeed = seed, NKeyPublic = pair.GetPublicKey() };
        }
        catch (NKeysException ex)
        {
            // The message never quotes the seed.
            throw Bad(key, value, $"holds a user seed that does not decode: {ex.Message}");
        }
    }

    // A domain becomes a subject token ($JS.<domain>.API): the same characters as a stream name.
    private static string DomainName(string key, string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? value
            : throw Bad(key, value, "must be 1 - 64 letters, digits, '_' or '-', the hubs' jetstream domain");

    private static string ReadableFile(string key, string value)
    {
        NonEmpty(key, value, "must be a file path");
        try
        {
            // Opened (and closed at once) so a missing file or one the service user cannot read fails the start, not the first connect.
            using var stream = new FileStream(value, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw Bad(key, value, $"cannot be read: {ex.Message}");
        }
        return value;
    }

    private const string Plugin = "nats";

    private static long Integer(string key, string value, long min, long max) => SettingValues.WholeNumber(Plugin, key, value, min, max);

    private static bool Boolean(string key, string value) => SettingValues.Boolean(Plugin, key, value);

    private static string NonEmpty(string key, string value, string problem) => SettingValues.NonEmpty(Plugin, key, value, problem);

    // Printed without the secrets (password, seed): a record prints every property otherwise.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Servers = ").Append(ServerList).Append(", Subject = ").Append(Subject).Append(", Stream = ").Append(Stream)
            .Append(", Replicas = ").Append(Replicas.ToString(CultureInfo.InvariantCulture)).Append(", Domain = ").Append(Domain ?? "none")
            .Append(", CatchUp = ").Append(CatchUp)
            .Append(", Auth = ").Append(CredsFile is not null ? "creds_file" : NKeySeedFile is not null ? "nkey_seed_file" : User is not null ? "user" : "none");
        return true;
    }

    private static string Redacted(Uri uri) => $"{uri.Scheme}://***@{uri.Authority}";

    private static ArgumentException Bad(string key, string value, string problem) => SettingValues.Bad(Plugin, key, value, problem);
}

using System.Globalization;
using System.Text;
using InnerWarden.Mesh.Contracts.Plugins;
using NATS.NKeys;

namespace InnerWarden.Mesh.Transport.Nats;

/// <summary>
/// The <c>nats</c> transport's settings, read once from <c>plugin_settings: nats:</c> against <see cref="Definitions"/> (keys,
/// types, ranges, defaults); <see cref="Check"/> adds what a declaration cannot say (server URLs without credentials or paths,
/// subject and stream names, one way to authenticate, readable files, a decodable seed). Every bad value is refused before any
/// network use, by the host's config check with its file position and again at registration.
/// </summary>
internal sealed record NatsTransportOptions
{
    public const string DefaultSubject = "innerwarden.mesh.signals.v1";
    public const string DefaultStream = "INNERWARDEN_MESH";

    /// <summary>JetStream keeps at most five copies of a stream.</summary>
    public const int MaxReplicas = 5;

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

    /// <summary>The keys of <c>plugin_settings.nats</c>.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.UrlList("servers", ["nats", "tls"], "the NATS servers (or the site's leaf node) to connect to, `scheme://host:port` each")
            with { DefaultDescription = "none: required, e.g. `nats://nats1:4222,nats://nats2:4222`" },
        PluginSettingDefinition.Text("subject", DefaultSubject, "the subject signals are published on and consumed from (no wildcards)"),
        PluginSettingDefinition.Text("stream", DefaultStream, "the JetStream stream keeping the last hour of signals; created when absent"),
        PluginSettingDefinition.WholeNumber("replicas", 1, 1, MaxReplicas, "copies of the stream a new stream is created with (3 on a 3-server cluster)"),
        PluginSettingDefinition.Text("domain", null, "the hubs' JetStream domain, for a node connected to a site's leaf node"),
        PluginSettingDefinition.Flag("catch_up", true, "replay what this node missed through its durable consumer; false: new signals only"),
        PluginSettingDefinition.FilePath("creds_file", null, "authenticate with this credentials file (one way to authenticate of three)"),
        PluginSettingDefinition.FilePath("nkey_seed_file", null, "authenticate with the user seed in this file, as `nk -gen user` writes it"),
        PluginSettingDefinition.Text("user", null, "authenticate as this user, with password"),
        PluginSettingDefinition.Text("password", null, "the password of user"),
        PluginSettingDefinition.FilePath("tls_ca", null, "CA certificate (PEM) to verify the servers' TLS certificates with"),
        PluginSettingDefinition.Flag("randomize_servers", true, "connect to the servers in random order, spreading the nodes; false: in the listed order"),
        PluginSettingDefinition.WholeNumber("timeout_ms", 5000, 100, 600_000, "connect, publish-acknowledgement and JetStream API timeout, in milliseconds"),
        PluginSettingDefinition.WholeNumber("outbox_capacity", 10_000, 0, 10_000_000, "signals kept for publishing while the cluster is unreachable (the oldest are dropped)"),
    ];

    /// <summary>The rules the declarations cannot state; each problem names the key (a server by its index) it is about.</summary>
    public static IReadOnlyList<PluginSettingProblem> Check(PluginSettingValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var problems = new List<PluginSettingProblem>();
        var servers = values.GetList("servers");
        if (servers.Count == 0)
        {
            problems.Add(new("servers", "missing; the NATS servers to connect to are required, e.g. nats://nats1:4222,nats://nats2:4222"));
        }
        for (var i = 0; i < servers.Count; i++)
        {
            if (ServerProblem(new Uri(servers[i])) is { } problem)
            {
                problems.Add(new(string.Create(CultureInfo.InvariantCulture, $"servers[{i}]"), problem));
            }
        }
        Name(problems, "subject", values.GetText("subject"), SubjectProblem);
        Name(problems, "stream", values.GetText("stream"), StreamProblem);
        Name(problems, "domain", values.GetText("domain"), DomainProblem);
        foreach (var key in (string[])["creds_file", "tls_ca"])
        {
            Name(problems, key, values.GetText(key), ReadProblem);
        }
        Name(problems, "nkey_seed_file", values.GetText("nkey_seed_file"), path => ReadSeed(path).Problem);
        var user = values.GetText("user");
        var password = values.GetText("password");
        if (user is not null && string.IsNullOrWhiteSpace(user))
        {
            problems.Add(new("user", $"'{user}' must be a user name"));
        }
        string[] methods = [.. new[] { ("creds_file", values.IsSet("creds_file")), ("nkey_seed_file", values.IsSet("nkey_seed_file")), ("user", user is not null) }
            .Where(method => method.Item2)
            .Select(method => method.Item1)];
        if (methods.Length > 1)
        {
            problems.Add(new("", $"{string.Join(" and ", methods)} are each a way to authenticate; set one of them"));
        }
        if (password is not null && user is null)
        {
            problems.Add(new("password", "is set without user; set both or neither"));
        }
        if (user is not null && password is null)
        {
            problems.Add(new("user", $"'{user}' is set without password; set both or neither"));
        }
        return problems;
    }

    /// <summary>Reads the settings map; a bad value is an error naming the key and the value.</summary>
    public static NatsTransportOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        var values = PluginSettingValues.Parse(Plugin, Definitions, settings, Check);
        var seedFile = values.GetText("nkey_seed_file");
        var (seed, publicKey, _) = seedFile is null ? (null, null, null) : ReadSeed(seedFile);
        return new NatsTransportOptions
        {
            Servers = [.. values.GetList("servers").Select(server => new Uri(server))],
            Subject = values.GetText("subject") ?? DefaultSubject,
            Stream = values.GetText("stream") ?? DefaultStream,
            Replicas = (int)values.GetWholeNumber("replicas"),
            Domain = values.GetText("domain"),
            CatchUp = values.GetFlag("catch_up"),
            CredsFile = values.GetText("creds_file"),
            NKeySeedFile = seedFile,
            NKeySeed = seed,
            NKeyPublic = publicKey,
            User = values.GetText("user"),
            Password = values.GetText("password"),
            TlsCa = values.GetText("tls_ca"),
            RandomizeServers = values.GetFlag("randomize_servers"),
            Timeout = TimeSpan.FromMilliseconds(values.GetWholeNumber("timeout_ms")),
            OutboxCapacity = (int)values.GetWholeNumber("outbox_capacity"),
        };
    }

    private const string Plugin = "nats";

    private static void Name(List<PluginSettingProblem> problems, string key, string? value, Func<string, string?> problem)
    {
        if (value is not null && problem(value) is { } found)
        {
            problems.Add(new(key, found));
        }
    }

    private static string? ServerProblem(Uri uri)
    {
        if (uri.UserInfo.Length > 0)
        {
            // Credentials in a URL end up in logs and in `mesh peers`; they have keys of their own.
            return $"'{Redacted(uri)}' carries credentials; put them in user/password, creds_file or nkey_seed_file instead";
        }
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"'{uri.OriginalString}' must be only scheme, host and port (no path or query)";
        }
        return uri.Port <= 0 ? $"'{uri.OriginalString}' must name a port, e.g. nats://nats1:4222" : null;
    }

    // A publish subject: dot-separated non-empty tokens, no wildcards, no whitespace.
    private static string? SubjectProblem(string value) =>
        value.Split('.').Any(token => token.Length == 0 || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '*' or '>'))
            ? $"'{value}' must be a NATS subject without wildcards, e.g. {DefaultSubject}"
            : null;

    // Stream names become directory names on the servers; NATS forbids '.', '*', '>', path separators and whitespace.
    private static string? StreamProblem(string value) =>
        IsToken(value) ? null : $"'{value}' must be 1 - 64 letters, digits, '_' or '-', e.g. {DefaultStream}";

    // A domain becomes a subject token ($JS.<domain>.API): the same characters as a stream name.
    private static string? DomainProblem(string value) =>
        IsToken(value) ? null : $"'{value}' must be 1 - 64 letters, digits, '_' or '-', the hubs' jetstream domain";

    private static bool IsToken(string value) => value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static string? ReadProblem(string path)
    {
        try
        {
            // Opened (and closed at once) so a missing file or one the service user cannot read fails the start, not the first connect.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return $"'{path}' cannot be read: {ex.Message}";
        }
    }

    // The file `nk -gen user` writes: the seed (SU...) on a line of its own, other lines (a public key, comments) ignored.
    private static (string? Seed, string? Public, string? Problem) ReadSeed(string path)
    {
        string? seed;
        try
        {
            seed = File.ReadLines(path).Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("SU", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return (null, null, $"'{path}' cannot be read: {ex.Message}");
        }
        if (seed is null)
        {
            return (null, null, $"'{path}' holds no user seed (a line starting with SU, as `nk -gen user` writes)");
        }
        try
        {
            using var pair = KeyPair.FromSeed(seed);
            return (seed, pair.GetPublicKey(), null);
        }
        catch (NKeysException ex)
        {
            // The message never quotes the seed.
            return (null, null, $"'{path}' holds a user seed that does not decode: {ex.Message}");
        }
    }

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
}

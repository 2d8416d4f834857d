namespace InnerWarden.Mesh.Host.Ownership;

/// <summary>
/// The user and group the agent runs as, which must be able to read what the CLI writes, whoever runs the CLI:
/// the <c>innerwarden</c> user and group when they exist (<c>$INNERWARDEN_SERVICE_USER</c> names another), else the
/// owner of the data directory.
/// </summary>
/// <param name="UserId">The service's uid.</param>
/// <param name="GroupId">The service's gid (the named group, else the user's primary group).</param>
internal sealed record ServiceAccount(uint UserId, uint GroupId)
{
    /// <summary>The service user the packages create.</summary>
    public const string DefaultUser = "innerwarden";

    /// <summary>Names a service user other than <see cref="DefaultUser"/> (an install under another account; the tests).</summary>
    public const string UserVariable = "INNERWARDEN_SERVICE_USER";

    private const UnixFileMode ConfigMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>
    /// The service account, or null when there is none to find (no such user and no data directory yet) or off Linux.
    /// Throws <see cref="FileAccessException"/> when <c>$INNERWARDEN_SERVICE_USER</c> names a user that does not exist.
    /// </summary>
    public static ServiceAccount? Resolve(string dataDirectory, Func<string, string?>? environment = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        environment ??= Environment.GetEnvironmentVariable;
        var named = environment(UserVariable);
        var name = string.IsNullOrWhiteSpace(named) ? DefaultUser : named.Trim();
        if (NativeFiles.TryGetUser(name, out var user, out var primaryGroup))
        {
            return new ServiceAccount(user, NativeFiles.TryGetGroup(name, out var group) ? group : primaryGroup);
        }
        if (!string.IsNullOrWhiteSpace(named))
        {
            throw new FileAccessException($"${UserVariable} names the service user '{name}', which does not exist on this host", null, needsRoot: false);
        }
        return FileOwnership.Of(dataDirectory) is { } owner ? new ServiceAccount(owner.UserId, owner.GroupId) : null;
    }

    /// <summary>
    /// What a new file in the data directory gets: the service's user and group when root creates it (so a
    /// <c>sudo innerwarden mesh identity</c> before the first start leaves a key the service can read), the
    /// caller's otherwise (only root can give a file away).
    /// </summary>
    public static FileOwnership NewDataFile(string dataDirectory, UnixFileMode mode) =>
        IsRoot() && Resolve(dataDirectory) is { } service ? new FileOwnership(service.UserId, service.GroupId, mode) : FileOwnership.Caller(mode);

    /// <summary>
    /// What a new config file gets when root creates it: the directory's owner, the service's group (else the directory's), 0640 — the
    /// service reads its config but may not rewrite it. The caller's ids (and 0640) otherwise.
    /// </summary>
    public static FileOwnership NewConfigFile(string path)
    {
        if (!IsRoot())
        {
            return FileOwnership.Caller(ConfigMode);
        }
        // Without a service user, the directory stands in for the data directory: its group keeps reading.
        var directoryPath = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var directory = FileOwnership.Of(directoryPath);
        var group = Resolve(directoryPath)?.GroupId ?? directory?.GroupId ?? 0;
        return new FileOwnership(directory?.UserId ?? 0, group, ConfigMode);
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && NativeFiles.EffectiveUserId == 0;
}

namespace InnerWarden.Mesh.Host.Ownership;

/// <summary>
/// A file the command or the agent needs cannot be read or written by this user. The message names the file, its
/// owner and mode and who is asking; <see cref="Fix"/> is the command that fixes it for the service, and
/// <see cref="NeedsRoot"/> says whether running the same command as root would do.
/// </summary>
internal sealed class FileAccessException : Exception
{
    public FileAccessException(string message, string? fix, bool needsRoot)
        : base(message)
    {
        Fix = fix;
        NeedsRoot = needsRoot;
    }

    public FileAccessException()
    {
    }

    public FileAccessException(string message)
        : base(message)
    {
    }

    public FileAccessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A shell command that makes the file usable by the service (chown/chmod), when one does.</summary>
    public string? Fix { get; }

    /// <summary>True when this user lacks the right but root has it: the same command under sudo works.</summary>
    public bool NeedsRoot { get; }

    /// <summary>This user may not create files in <paramref name="directory"/> (for <paramref name="path"/>).</summary>
    public static FileAccessException CannotCreateIn(string path, string directory) =>
        new($"cannot write {path}: user {Caller()} may not create files in {directory}{Described(directory)}", null, NeedsRootHere());

    /// <summary>This user cannot give the rewritten <paramref name="path"/> the owner it must keep.</summary>
    public static FileAccessException CannotKeepOwner(string path, FileOwnership ownership, int errno) =>
        new($"cannot write {path}: it must stay {ownership} and user {Caller()} may not give a file that owner (errno {errno})", null, NeedsRootHere());

    /// <summary><paramref name="path"/> (a <paramref name="what"/>) cannot be read by this process.</summary>
    public static FileAccessException CannotRead(string path, string what, string? fix) =>
        new($"{what} {path}{Described(path)} cannot be read by user {Caller()}", fix, NeedsRootHere());

    /// <summary><paramref name="path"/> (a <paramref name="what"/>) cannot be written by this process.</summary>
    public static FileAccessException CannotWrite(string path, string what, string? fix) =>
        new($"{what} {path}{Described(path)} cannot be written by user {Caller()}", fix, NeedsRootHere());

    /// <summary>The effective user's name, or "you" off Linux.</summary>
    public static string Caller() => OperatingSystem.IsLinux() ? NativeFiles.UserName(NativeFiles.EffectiveUserId) : "you";

    private static string Described(string path) => FileOwnership.Of(path) is { } o ? $" (owned by {o})" : "";

    private static bool NeedsRootHere() => OperatingSystem.IsLinux() && NativeFiles.EffectiveUserId != 0;
}

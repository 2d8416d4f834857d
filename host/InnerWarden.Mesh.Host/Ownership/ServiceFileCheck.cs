using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.Host.Ownership;

/// <summary>
/// The agent's look at its files before it starts anything: a data directory, key or data file it cannot use is
/// one error naming the file, its owner and mode, the user asking and the command that fixes it (exit 2), instead
/// of an exception from deep inside the start.
/// </summary>
internal static class ServiceFileCheck
{
    private const int ReadWrite = NativeFiles.ReadAccess | NativeFiles.WriteAccess;
    private const int Directory = ReadWrite | NativeFiles.ExecuteAccess;

    /// <summary>Throws <see cref="FileAccessException"/> for the first thing in <paramref name="dataDirectory"/> this process cannot use.</summary>
    public static void Check(string dataDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var full = Path.GetFullPath(dataDirectory);
        if (!System.IO.Directory.Exists(full))
        {
            var parent = ExistingAncestor(full);
            if (!NativeFiles.CanAccess(parent, NativeFiles.WriteAccess | NativeFiles.ExecuteAccess))
            {
                throw new FileAccessException(
                    $"data directory {full} does not exist and user {FileAccessException.Caller()} may not create it in {parent}{Owned(parent)}",
                    $"sudo install -d -o {Me()} -m 0750 {full}", needsRoot: false);
            }
            return;
        }
        if (!NativeFiles.CanAccess(full, Directory))
        {
            throw FileAccessException.CannotWrite(full, "data directory", $"sudo chown {Me()} {full}");
        }
        foreach (var entry in new DirectoryInfo(full).EnumerateFileSystemInfos())
        {
            var isKey = entry.Name == NodeIdentity.KeyFileName;
            var needed = entry is DirectoryInfo ? Directory : isKey ? NativeFiles.ReadAccess : ReadWrite;
            if (entry.LinkTarget is null && !NativeFiles.CanAccess(entry.FullName, needed))
            {
                var what = isKey ? "identity key file" : entry is DirectoryInfo ? "data directory" : "data file";
                var fix = $"sudo chown {(entry is DirectoryInfo ? "-R " : "")}{Me()} {entry.FullName}";
                throw isKey ? FileAccessException.CannotRead(entry.FullName, what, fix) : FileAccessException.CannotWrite(entry.FullName, what, fix);
            }
        }
    }

    /// <summary>
    /// The fix for a config file this process cannot read: keep its owner, give it this process's group and group read
    /// (the config is the operator's to edit and the service's to read).
    /// </summary>
    public static string? GroupReadFix(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var owner = FileOwnership.Of(path) is { } o ? NativeFiles.UserName(o.UserId) : "root";
        return $"sudo chown {owner}:{NativeFiles.GroupName(NativeFiles.EffectiveGroupId)} {path} && sudo chmod 0640 {path}";
    }

    // The process's user and primary group, as chown takes them.
    private static string Me() => $"{NativeFiles.UserName(NativeFiles.EffectiveUserId)}:{NativeFiles.GroupName(NativeFiles.EffectiveGroupId)}";

    private static string Owned(string path) => FileOwnership.Of(path) is { } o ? $" (owned by {o})" : "";

    private static string ExistingAncestor(string path)
    {
        var current = Path.GetDirectoryName(path);
        while (current is not null && !System.IO.Directory.Exists(current))
        {
            current = Path.GetDirectoryName(current);
        }
        return current ?? "/";
    }
}

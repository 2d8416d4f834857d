using System.Globalization;

namespace InnerWarden.Mesh.Host.Ownership;

/// <summary>Who owns a file and its permission bits: what a rewrite keeps and what a new file of the service gets.</summary>
/// <param name="UserId">The owner's uid.</param>
/// <param name="GroupId">The group's gid.</param>
/// <param name="Mode">The permission bits.</param>
internal readonly record struct FileOwnership(uint UserId, uint GroupId, UnixFileMode Mode)
{
    /// <summary>The ownership of an existing file or directory; null off Linux or when it cannot be looked at.</summary>
    public static FileOwnership? Of(string path)
    {
        if (!OperatingSystem.IsLinux() || !NativeFiles.TryGetOwner(path, out var user, out var group))
        {
            return null;
        }
        return new FileOwnership(user, group, File.GetUnixFileMode(path));
    }

    /// <summary>What a file this process creates gets without a chown: its effective ids, with <paramref name="mode"/>.</summary>
    public static FileOwnership Caller(UnixFileMode mode) => new(NativeFiles.EffectiveUserId, NativeFiles.EffectiveGroupId, mode);

    /// <summary><c>owner:group</c> by name.</summary>
    public string Owners => $"{NativeFiles.UserName(UserId)}:{NativeFiles.GroupName(GroupId)}";

    /// <summary>Mode as chmod takes it, e.g. <c>0640</c>.</summary>
    public string OctalMode => Convert.ToString((int)Mode, 8).PadLeft(4, '0');

    /// <summary>For messages: <c>root:innerwarden 0640</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Owners} {OctalMode}");

    /// <summary>
    /// Gives <paramref name="path"/> (a file this process just created) this owner, group and mode. Throws
    /// <see cref="FileAccessException"/> when the caller may not (only root may give a file away), naming
    /// <paramref name="target"/>, the file the result replaces or becomes.
    /// </summary>
    public void ApplyTo(string path, string target)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        if (NativeFiles.TryGetOwner(path, out var user, out var group) && (user != UserId || group != GroupId))
        {
            var errno = NativeFiles.ChangeOwner(path, UserId, GroupId);
            if (errno != 0)
            {
                throw FileAccessException.CannotKeepOwner(target, this, errno);
            }
        }
        // After the chown, which clears set-id bits, and past the umask the create went through.
        File.SetUnixFileMode(path, Mode);
    }
}

using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Host.Ownership;

/// <summary>
/// The few libc calls .NET has no API for: a file's owner (statx), changing it (chown), the caller's effective
/// ids and user/group names. Linux only (the platforms we ship); callers check <see cref="OperatingSystem.IsLinux"/>.
/// </summary>
internal static partial class NativeFiles
{
    /// <summary>EPERM: the caller may not give the file that owner.</summary>
    public const int NotPermitted = 1;

    /// <summary>R_OK for <see cref="CanAccess"/>.</summary>
    public const int ReadAccess = 4;

    /// <summary>W_OK for <see cref="CanAccess"/>.</summary>
    public const int WriteAccess = 2;

    /// <summary>X_OK for <see cref="CanAccess"/> (search, for a directory).</summary>
    public const int ExecuteAccess = 1;

    private const int AtCurrentDirectory = -100;
    private const int AtEffectiveAccess = 0x200;
    private const uint StatxUidGidMode = 0x2 | 0x8 | 0x10;

    /// <summary>The owner and group of <paramref name="path"/>; false when it cannot be looked at.</summary>
    public static bool TryGetOwner(string path, out uint userId, out uint groupId)
    {
        if (Statx(AtCurrentDirectory, path, 0, StatxUidGidMode, out var buffer) != 0)
        {
            userId = groupId = 0;
            return false;
        }
        userId = buffer.Uid;
        groupId = buffer.Gid;
        return true;
    }

    /// <summary>chown(2); returns 0 or the errno.</summary>
    public static int ChangeOwner(string path, uint userId, uint groupId) =>
        Chown(path, userId, groupId) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Whether this process (its effective ids, as the kernel checks an open) may access the path.</summary>
    public static bool CanAccess(string path, int mode) => FAccessAt(AtCurrentDirectory, path, mode, AtEffectiveAccess) == 0;

    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUserId => GetEffectiveUserId();

    /// <summary>The effective group id of this process.</summary>
    public static uint EffectiveGroupId => GetEffectiveGroupId();

    /// <summary>The uid and primary gid of a user name; false when there is no such user.</summary>
    public static bool TryGetUser(string name, out uint userId, out uint groupId)
    {
        // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... }
        var entry = GetPasswordByName(name);
        if (entry == IntPtr.Zero)
        {
            userId = groupId = 0;
            return false;
        }
        userId = (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
        groupId = (uint)Marshal.ReadInt32(entry, (2 * IntPtr.Size) + 4);
        return true;
    }

    /// <summary>The gid of a group name; false when there is no such group.</summary>
    public static bool TryGetGroup(string name, out uint groupId)
    {
        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
        var entry = GetGroupByName(name);
        groupId = entry == IntPtr.Zero ? 0 : (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
        return entry != IntPtr.Zero;
    }

    /// <summary>The name of a uid, or the number when it has none.</summary>
    public static string UserName(uint userId)
    {
        var entry = GetPasswordById(userId);
        return entry == IntPtr.Zero ? userId.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry)) ?? userId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The name of a gid, or the number when it has none.</summary>
    public static string GroupName(uint groupId)
    {
        var entry = GetGroupById(groupId);
        return entry == IntPtr.Zero ? groupId.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry)) ?? groupId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // struct statx has the same layout on every Linux architecture (unlike struct stat): stx_uid at 20,
    // stx_gid at 24, stx_mode at 28, 256 bytes in all.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(20)]
        public uint Uid;

        [FieldOffset(24)]
        public uint Gid;
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, out StatxBuffer buffer);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint userId, uint groupId);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "faccessat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FAccessAt(int directoryFd, string path, int mode, int flags);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEffectiveGroupId();

    // getpwnam & co. return a pointer into static storage: the CLI calls them from one thread and copies out at once.
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetPasswordByName(string name);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial IntPtr GetPasswordById(uint userId);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetGroupByName(string name);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "getgrgid")]
    private static partial IntPtr GetGroupById(uint groupId);
}

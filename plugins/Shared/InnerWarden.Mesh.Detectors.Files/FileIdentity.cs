using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Detectors.Files;

/// <summary>What kind of file system object a path names.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Socket,
    Other,
}

/// <summary>
/// A file's identity (device + inode) and kind, read with Linux <c>statx</c>, which has one struct layout on every
/// architecture (plain <c>stat</c> does not). .NET exposes neither inodes nor the socket file type; both are needed
/// to tell a rotated log from an appended one and a stale socket from a regular file.
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode, FileKind Kind)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const int Enoent = 2;
    private const int Enotdir = 20;

    private static bool Unavailable = !OperatingSystem.IsLinux();

    /// <summary>Identity of the object at <paramref name="path"/> (the link itself when it is a symlink).</summary>
    /// <returns>False when statx is not available here (identity unknown); a missing path is <see cref="FileKind.Missing"/>.</returns>
    public static bool TryOfPath(string path, out FileIdentity identity) =>
        TryStat(AtFdCwd, path, AtSymlinkNoFollow, out identity);

    /// <summary>Identity of the path following symlinks (what a reader opening it gets).</summary>
    public static bool TryOfPathFollowingLinks(string path, out FileIdentity identity) =>
        TryStat(AtFdCwd, path, 0, out identity);

    /// <summary>Identity of an open file handle.</summary>
    public static bool TryOfHandle(SafeHandle handle, out FileIdentity identity)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return TryStat((int)handle.DangerousGetHandle(), "", AtEmptyPath, out identity);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>True when both name the same file (device and inode).</summary>
    public bool SameFileAs(FileIdentity other) => Kind != FileKind.Missing && Device == other.Device && Inode == other.Inode;

    private static unsafe bool TryStat(int dirFd, string path, int flags, out FileIdentity identity)
    {
        identity = default;
        if (Unavailable)
        {
            return false;
        }
        // struct statx is 256 bytes; offsets from linux/stat.h (stable ABI).
        var buffer = stackalloc byte[256];
        int rc;
        try
        {
            rc = Statx(dirFd, path, flags, StatxType | StatxIno, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // Old libc (or musl before 1.2.5): no statx. Callers fall back to what .NET can tell.
            Unavailable = true;
            return false;
        }
        if (rc != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir)
            {
                identity = new FileIdentity(0, 0, FileKind.Missing);
                return true;
            }
            return false;
        }
        var mode = *(ushort*)(buffer + 28);
        var inode = *(ulong*)(buffer + 32);
        var device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        identity = new FileIdentity(device, inode, kind);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);
}

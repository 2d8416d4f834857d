using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Host.Identity;

/// <summary>POSIX <c>link(2)</c>: creates a name for an existing file and fails if the name exists, atomically.</summary>
internal static partial class NativeLink
{
    /// <summary>EEXIST on Linux and the BSDs.</summary>
    public const int AlreadyExists = 17;

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Link(string existingPath, string newPath);
}

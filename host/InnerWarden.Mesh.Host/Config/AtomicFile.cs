using InnerWarden.Mesh.Host.Ownership;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// Replaces a file so that a crash leaves either the old or the new content, never half of one, and so that the
/// result has the owner, group and mode of the file it replaces (or, for a new file, those the caller chose).
/// </summary>
internal static class AtomicFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes a temp file beside <paramref name="path"/>, flushes it to disk, gives it the replaced file's ownership
    /// (or <paramref name="newFile"/>'s when there is none) and renames it over the target. Throws
    /// <see cref="FileAccessException"/> when this user may not write there or may not keep the owner.
    /// </summary>
    public static void WriteAllText(string path, string contents, Func<FileOwnership> newFile) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(contents), newFile);

    /// <summary>As <see cref="WriteAllText"/>, for bytes.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents, Func<FileOwnership> newFile)
    {
        ArgumentNullException.ThrowIfNull(newFile);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Directory.CreateDirectory(directory);
        // Decided before anything is written: a refusal leaves no temp file behind.
        var ownership = File.Exists(path) ? FileOwnership.Of(path) : null;
        if (ownership is null && !OperatingSystem.IsWindows())
        {
            ownership = newFile();
        }
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Owner-only until it has its final owner and mode: never a moment readable by more than the result.
                options.UnixCreateMode = OwnerOnly;
            }
            using (var stream = OpenTemp(temp, path, directory, options))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            ownership?.ApplyTo(temp, path);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static FileStream OpenTemp(string temp, string path, string directory, FileStreamOptions options)
    {
        try
        {
            return new FileStream(temp, options);
        }
        catch (UnauthorizedAccessException)
        {
            throw FileAccessException.CannotCreateIn(path, directory);
        }
    }
}

namespace InnerWarden.Mesh.Host.Config;

/// <summary>Replaces a file so that a crash leaves either the old or the new content, never half of one.</summary>
internal static class AtomicFile
{
    /// <summary>Writes a temp file beside <paramref name="path"/>, flushes it to disk, and renames it over the target.</summary>
    public static void WriteAllText(string path, string contents)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(contents);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows() && File.Exists(path))
            {
                // Keep the operator's permissions (the config may be root-only).
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            }
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
}

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// One agent per data directory: an exclusive lock on <c>&lt;data_dir&gt;/mesh.lock</c> (flock, which .NET takes for
/// <see cref="FileShare.None"/>), held for the agent's life and released by the kernel when the process dies, even by
/// kill -9. Taken before anything else starts, so a second agent is refused before it touches the firewall.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "mesh.lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file)
    {
        _file = file;
    }

    /// <summary>The lock, or null with <paramref name="error"/> saying another agent holds it.</summary>
    public static DataDirectoryLock? TryAcquire(string dataDirectory, out string? error)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            error = null;
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            error = $"another agent is running on {dataDirectory} ({path} is locked: {ex.Message}); refusing to start a second one";
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            // The start-up file check names the chown for this; here only when the file changed in between.
            error = $"cannot open {path}: {ex.Message}";
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}

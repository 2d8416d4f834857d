using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>
/// The host's private-file writer without its ownership rules (those are the host's, tested with real users in the
/// integration tests): writes the file 0600 into the data directory and counts the writes.
/// </summary>
internal sealed class PlainDataFiles(string dataDirectory) : IPrivateDataFiles
{
    public int Writes { get; private set; }

    public string Write(string fileName, ReadOnlySpan<byte> content)
    {
        var path = Path.Combine(dataDirectory, fileName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        {
            stream.Write(content);
        }
        Writes++;
        return path;
    }
}

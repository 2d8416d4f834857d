using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Ownership;

/// <summary>
/// Plugins' private files in the data directory, written as the identity key is: atomically, 0600, the service's
/// user and group when root writes them (a <c>sudo innerwarden agent</c> must not leave a key the service cannot read).
/// </summary>
internal sealed class PrivateDataFiles(string dataDirectory) : IPrivateDataFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Write(string fileName, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        if (Path.GetFileName(fileName) != fileName || fileName is "." or "..")
        {
            throw new ArgumentException($"'{fileName}' is not a plain file name; a plugin's private file lives in the data directory itself", nameof(fileName));
        }
        var path = Path.Combine(dataDirectory, fileName);
        AtomicFile.WriteAllBytes(path, content, () => ServiceAccount.NewDataFile(dataDirectory, OwnerOnly));
        return path;
    }
}

namespace InnerWarden.Mesh.Contracts.Plugins;

/// <summary>
/// The host's writer of a plugin's private file in the data directory (a generated TLS key, say). The host owns who
/// owns files: what it writes here is the service's, 0600, whoever runs the node (root before the first start too).
/// </summary>
public interface IPrivateDataFiles
{
    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="fileName"/> (a plain name, no folder) in the data directory:
    /// atomically (a crash leaves none or all of it), mode 0600, owned by the service account. Returns the full path.
    /// </summary>
    string Write(string fileName, ReadOnlySpan<byte> content);
}

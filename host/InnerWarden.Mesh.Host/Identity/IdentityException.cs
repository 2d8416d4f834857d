namespace InnerWarden.Mesh.Host.Identity;

/// <summary>
/// The node's key file cannot be used (wrong size, unreadable, not a file). The message names the path
/// and the problem; the file is never replaced, because replacing it would silently change the node's id.
/// </summary>
internal sealed class IdentityException : Exception
{
    public IdentityException(string message)
        : base(message)
    {
    }

    public IdentityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IdentityException()
    {
    }
}

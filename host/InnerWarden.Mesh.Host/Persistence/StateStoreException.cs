namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>The state database cannot be opened or written; the message names the file and the reason.</summary>
internal sealed class StateStoreException : Exception
{
    public StateStoreException(string message)
        : base(message)
    {
    }

    public StateStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

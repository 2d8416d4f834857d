namespace InnerWarden.Mesh.Contracts.Enforcement;

/// <summary>A firewall backend failed; the message names the command and what it printed.</summary>
public sealed class EnforcerException : Exception
{
    /// <summary>Creates the exception with a message that names the command and its error output.</summary>
    public EnforcerException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure underneath.</summary>
    public EnforcerException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

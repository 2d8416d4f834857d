namespace InnerWarden.Mesh.Detectors.Sshd.Parsing;

/// <summary>What an sshd log line says about its source address. See the plugin README for the counting rules.</summary>
internal enum SshdEventKind
{
    /// <summary>A credential was tried and rejected (<c>Failed password for ...</c>): counts once per line.</summary>
    CredentialFailure,

    /// <summary>A connection failed before authentication (invalid user, preauth close, timeout, negotiation): counts once per connection that has no counted credential failure.</summary>
    ConnectionFailure,

    /// <summary>Recognised but not counted, because sshd logs a counted line for the same attempt (PAM lines, "not allowed") or it is no failure.</summary>
    Related,

    /// <summary>A successful login. Never counts.</summary>
    Accepted,
}

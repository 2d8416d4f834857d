namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// Whether this host has what the sshd detector reads: an auth log at one of its default paths, or a running systemd
/// journal. <c>mesh enable</c> selects the detector then, so a node confirms attacks on its own SSH out of the box and
/// trust in the peers that reported them can grow; without a detector a node only ever believes others.
/// </summary>
internal static class SshdLogProbe
{
    /// <summary>Where the sshd detector looks first (its <c>log_path</c> default), then the journal's runtime directory.</summary>
    public static readonly IReadOnlyList<string> AuthLogs = ["/var/log/auth.log", "/var/log/secure"];

    /// <summary>journald's runtime directory: present while systemd-journald runs.</summary>
    public const string JournalDirectory = "/run/systemd/journal";

    /// <summary>What was found (a path, or the journal), or null when the host has neither.</summary>
    public static string? Find(Func<string, bool>? fileExists = null, Func<string, bool>? directoryExists = null)
    {
        fileExists ??= File.Exists;
        directoryExists ??= Directory.Exists;
        foreach (var log in AuthLogs)
        {
            if (fileExists(log))
            {
                return log;
            }
        }
        return directoryExists(JournalDirectory) ? $"the systemd journal ({JournalDirectory})" : null;
    }
}

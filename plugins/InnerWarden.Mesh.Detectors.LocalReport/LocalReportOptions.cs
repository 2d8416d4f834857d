namespace InnerWarden.Mesh.Detectors.LocalReport;

/// <summary>The local-report detector's settings (<c>plugin_settings: local-report:</c>).</summary>
/// <param name="SocketPath">The Unix socket clients connect to.</param>
/// <param name="ReadTimeout">How long one client may take to send its request.</param>
/// <param name="MaxConcurrentClients">Clients served at once; more are answered "busy" immediately.</param>
internal sealed record LocalReportOptions(string SocketPath, TimeSpan ReadTimeout, int MaxConcurrentClients)
{
    /// <summary>The socket's file name inside the data directory; the CLI uses the same name.</summary>
    public const string SocketFileName = "mesh-report.sock";

    /// <summary>Reads the settings.</summary>
    public static LocalReportOptions Parse(IReadOnlyDictionary<string, string> settings, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var path = settings.TryGetValue("socket_path", out var p) && !string.IsNullOrWhiteSpace(p)
            ? p.Trim()
            : Path.Combine(dataDirectory, SocketFileName);
        return new LocalReportOptions(path, TimeSpan.FromSeconds(5), 16);
    }
}

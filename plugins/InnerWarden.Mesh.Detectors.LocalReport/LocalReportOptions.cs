using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Detectors.LocalReport;

/// <summary>The local-report detector's settings (<c>plugin_settings: local-report:</c>).</summary>
/// <param name="SocketPath">The Unix socket clients connect to.</param>
/// <param name="ReadTimeout">How long one client may take to send its request.</param>
/// <param name="MaxConcurrentClients">Clients served at once; more are answered "busy" immediately.</param>
internal sealed record LocalReportOptions(string SocketPath, TimeSpan ReadTimeout, int MaxConcurrentClients)
{
    /// <summary>The socket's file name inside the data directory; the CLI uses the same name.</summary>
    public const string SocketFileName = "mesh-report.sock";

    /// <summary>The keys of <c>plugin_settings.local-report</c>.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.FilePath("socket_path", null,
            "the Unix socket (0600) `innerwarden mesh report` and the fail2ban action (`packaging/fail2ban/`) hand detections to; the CLI looks in the data dir")
            with { DefaultDescription = $"`<data_dir>/{SocketFileName}`" },
    ];

    /// <summary>Reads the settings; throws naming every bad key and value.</summary>
    public static LocalReportOptions Parse(IReadOnlyDictionary<string, string> settings, string dataDirectory)
    {
        var values = PluginSettingValues.Parse("local-report", Definitions, settings);
        return new LocalReportOptions(values.GetText("socket_path") ?? Path.Combine(dataDirectory, SocketFileName), TimeSpan.FromSeconds(5), 16);
    }
}

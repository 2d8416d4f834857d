namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>The config of a test agent: HTTP on loopback, one vouched signer, an enforcer (inside a test namespace when one is given).</summary>
internal static class AgentConfig
{
    /// <param name="directory">Where mesh.yaml goes.</param>
    /// <param name="port">The loopback port the agent serves.</param>
    /// <param name="signerKey">The vouched signer's node id.</param>
    /// <param name="enforcer">The enforcer plugin.</param>
    /// <param name="netns">The test namespace the enforcer works in; null for none.</param>
    /// <param name="pollSecs">The periodic work's interval.</param>
    /// <param name="maxSignalsPerHour">The per-signer budget.</param>
    /// <param name="maxSeenSignals">The replay record's bound per partition; null leaves the default.</param>
    public static string Write(string directory, int port, string signerKey, string enforcer, string? netns, int pollSecs = 1,
        int maxSignalsPerHour = 1000, int? maxSeenSignals = null)
    {
        var path = Path.Combine(directory, "mesh.yaml");
        var settings = netns is null ? "" : $"""

            plugin_settings:
              {enforcer}:
                netns: "{netns}"
            """;
        File.WriteAllText(path, $"""
            enabled: true
            bind: "127.0.0.1:{port}"
            poll_secs: {pollSecs}
            initial_trust: 0.9
            max_signals_per_hour: {maxSignalsPerHour}{(maxSeenSignals is { } seen ? $"\nmax_seen_signals: {seen}" : "")}
            peers:
              - endpoint: "http://127.0.0.1:9"
                public_key: "{signerKey}"
                label: "signer"
            plugins:
              enforcer: {enforcer}
              detectors: []
            """ + settings + "\n");
        return path;
    }
}

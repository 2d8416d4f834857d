namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>The config of a test agent: HTTP on loopback, one vouched signer, an enforcer (inside a test namespace when one is given).</summary>
internal static class AgentConfig
{
    public static string Write(string directory, int port, string signerKey, string enforcer, string? netns, int pollSecs = 1)
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
            max_signals_per_hour: 1000
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

using System.Security.Cryptography;
using InnerWarden.Mesh.Fixtures.Nats;
using InnerWarden.Mesh.IntegrationTests.Transport;
using NATS.Client.Core;

namespace InnerWarden.Mesh.IntegrationTests.Packaging;

/// <summary>
/// The nats-server configs shipped in <c>packaging/nats/</c> run as written, only their ports, host names, store
/// and the leaf's password placeholder rewritten for loopback: three hubs and a site's leaf node, full nodes on both
/// sides exchanging signals, so the files cannot rot.
/// </summary>
public sealed class ShippedNatsConfigTests
{
    // Starting with a letter, as the configs ask: nats-server reads the variable as a config value, and one that
    // starts with a digit is taken for a number and fails the start.
    private static readonly string NodePassword = "p" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    private static readonly string LeafPassword = "p" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private static readonly Dictionary<string, string?> Passwords = new()
    {
        ["INNERWARDEN_NATS_PASSWORD"] = NodePassword,
        ["INNERWARDEN_NATS_LEAF_PASSWORD"] = LeafPassword,
    };

    private static readonly NatsAuthOpts NodeAuth = NatsAuthOpts.Default with { Username = "innerwarden", Password = NodePassword };

    [Fact]
    public async Task Shipped_cluster_and_leaf_configs_carry_signals_between_a_hub_node_and_a_site_node()
    {
        int[] clients = Ports(3), routes = Ports(3), monitors = Ports(3), leafListens = Ports(3);
        var cluster = await File.ReadAllTextAsync(Shipped("nats-cluster.conf"));
        var hubs = Enumerable.Range(0, 3).Select(i => (Name: $"nats{i + 1}", Config: (Func<string, string>)(store => Hub(cluster, i, store, clients, routes, monitors, leafListens)),
            ClientPort: clients[i], MonitorPort: monitors[i])).ToArray();
        await using var hubServers = await NatsServers.StartFromConfigsAsync(hubs, Passwords, NodeAuth);
        int leafClient = NatsServerProcess.FreePort(), leafMonitor = NatsServerProcess.FreePort();
        var leafText = await File.ReadAllTextAsync(Shipped("nats-leaf.conf"));
        await using var site = await NatsServers.StartFromConfigsAsync(
            [("site-a", _ => Leaf(leafText, leafClient, leafMonitor, leafListens), leafClient, leafMonitor)], Passwords, NodeAuth, domain: "innerwarden");
        var credentials = new Dictionary<string, string> { ["user"] = "innerwarden", ["password"] = NodePassword };
        await using var mesh = await TestMesh.StartAsync(
            NatsMeshTests.Node("HUB", hubServers.Urls, replicas: 3, credentials),
            NatsMeshTests.Node("SITE", site.Urls, replicas: 3, new Dictionary<string, string>(credentials) { ["domain"] = "innerwarden" }));
        var (hub, siteNode) = (mesh["HUB"], mesh["SITE"]);

        await NatsMeshTests.Detect(siteNode, "185.236.0.1");
        await NatsMeshTests.Detect(hub, "185.236.0.2");

        await TestMesh.WaitUntilAsync(() => NatsMeshTests.StagedIps(hub).Contains("185.236.0.1"), "the hub node to stage the site node's signal");
        await TestMesh.WaitUntilAsync(() => NatsMeshTests.StagedIps(siteNode).Contains("185.236.0.2"), "the site node to stage the hub node's signal");
        Assert.Equal(new Uri(site[0].Url), Assert.Single(siteNode.Transport.GetPeerLinks()).Peer.Endpoint);
    }

    [Fact]
    public async Task Shipped_cluster_config_refuses_to_start_without_its_passwords()
    {
        int[] clients = Ports(3), routes = Ports(3), monitors = Ports(3), leafListens = Ports(3);
        var cluster = await File.ReadAllTextAsync(Shipped("nats-cluster.conf"));
        var dir = Directory.CreateTempSubdirectory("iw-nats-open-").FullName;
        try
        {
            // Not even inherited from this process's environment.
            var none = new Dictionary<string, string?> { ["INNERWARDEN_NATS_PASSWORD"] = null, ["INNERWARDEN_NATS_LEAF_PASSWORD"] = null };
            await using var server = new NatsServerProcess("nats1", dir, Hub(cluster, 0, Path.Combine(dir, "js"), clients, routes, monitors, leafListens),
                clients[0], monitors[0], none);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(server.StartAsync);

            Assert.Contains("INNERWARDEN_NATS_PASSWORD", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Hub(string text, int i, string store, int[] clients, int[] routes, int[] monitors, int[] leafListens)
    {
        var config = Rewrite(text, "server_name: nats1", $"server_name: nats{i + 1}");
        config = Rewrite(config, "listen: 0.0.0.0:4222", $"listen: 127.0.0.1:{clients[i]}");
        config = Rewrite(config, "http: 127.0.0.1:8222", $"http: 127.0.0.1:{monitors[i]}");
        config = Rewrite(config, "store_dir: \"/var/lib/nats/jetstream\"", $"store_dir: \"{store}\"");
        config = Rewrite(config, "listen: 0.0.0.0:6222", $"listen: 127.0.0.1:{routes[i]}");
        config = Rewrite(config, "listen: 0.0.0.0:7422", $"listen: 127.0.0.1:{leafListens[i]}");
        for (int j = 0; j < 3; j++)
        {
            config = Rewrite(config, $"nats-route://nats{j + 1}:6222", $"nats-route://127.0.0.1:{routes[j]}");
        }
        return config;
    }

    private static string Leaf(string text, int client, int monitor, int[] leafListens)
    {
        var config = Rewrite(text, "listen: 0.0.0.0:4222", $"listen: 127.0.0.1:{client}");
        config = Rewrite(config, "http: 127.0.0.1:8222", $"http: 127.0.0.1:{monitor}");
        config = Rewrite(config, "LEAF_PASSWORD", LeafPassword);
        for (int j = 0; j < 3; j++)
        {
            config = Rewrite(config, $"@nats{j + 1}:7422", $"@127.0.0.1:{leafListens[j]}");
        }
        return config;
    }

    // Fails when the shipped file no longer says what the test rewrites: the test must follow the file, not miss it.
    private static string Rewrite(string config, string shipped, string replacement)
    {
        Assert.Contains(shipped, config, StringComparison.Ordinal);
        return config.Replace(shipped, replacement, StringComparison.Ordinal);
    }

    private static int[] Ports(int count) => Enumerable.Range(0, count).Select(_ => NatsServerProcess.FreePort()).ToArray();

    private static string Shipped(string name) => RepositoryRoot.Combine("packaging", "nats", name);
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Fixtures.Nats;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.Transport.Common.Wire;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Xunit.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>
/// Full nodes (as <c>innerwarden agent</c> composes them, with the built plugins) talking through real nats-server
/// processes: <c>plugins.transport: nats</c> with <c>plugin_settings.nats</c>, packaged defaults otherwise.
/// </summary>
public sealed class NatsMeshTests(ITestOutputHelper output)
{
    private const string Subject = "innerwarden.mesh.signals.v1";

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    [Fact]
    public async Task Twenty_nodes_over_three_servers_each_stage_every_other_nodes_signal()
    {
        await using var cluster = await NatsServers.StartClusterAsync();
        await using var mesh = await TestMesh.StartConcurrentlyAsync(Nodes(cluster, 20));

        int i = 0;
        foreach (var node in mesh.Nodes)
        {
            await Detect(node, $"185.231.0.{++i}");
        }

        var all = Enumerable.Range(1, 20).Select(n => $"185.231.0.{n}").ToHashSet();
        foreach (var node in mesh.Nodes)
        {
            await TestMesh.WaitUntilAsync(() => all.IsSubsetOf(StagedIps(node)), $"{node.Name} to stage every node's signal", TimeSpan.FromSeconds(20));
        }
        foreach (var node in mesh.Nodes)
        {
            await TestMesh.WaitUntilAsync(() => node.Node.Snapshot().Duplicates == 1, $"{node.Name}'s own signal to come back");
            var snapshot = node.Node.Snapshot();
            Assert.Equal((19L, 0L, 1L), (snapshot.Accepted, snapshot.Rejected, snapshot.Duplicates));
            foreach (var entry in snapshot.Staged.Where(e => !e.Local))
            {
                Assert.Single(entry.Contributors);
            }
        }
        // Each node dials the server listed first for it (randomize_servers: false): all three carry nodes.
        var servers = mesh.Nodes.Select(node => Assert.Single(node.Transport.GetPeerLinks()).Peer.Endpoint).ToHashSet();
        Assert.Equal(cluster.Servers.Select(s => new Uri(s.Url)).ToHashSet(), servers);
    }

    [Fact]
    public async Task Killing_a_server_mid_stream_loses_no_signal_and_stages_none_twice()
    {
        await using var cluster = await NatsServers.StartClusterAsync();
        Mark("cluster up");
        await using var mesh = await TestMesh.StartConcurrentlyAsync(Nodes(cluster, 20));
        Mark("mesh up");
        var nodes = mesh.Nodes.ToArray();
        const int rounds = 8;

        for (int round = 0; round < rounds; round++)
        {
            if (round == rounds / 2)
            {
                Mark("kill");
                // A crash, not a shutdown: the nodes on it find out by the broken connection.
                await cluster[0].KillAsync();
            }
            for (int n = 0; n < nodes.Length; n++)
            {
                await Detect(nodes[n], $"185.232.{round}.{n + 1}");
            }
        }

        var all = Enumerable.Range(0, rounds).SelectMany(round => Enumerable.Range(1, nodes.Length).Select(n => $"185.232.{round}.{n}")).ToHashSet();
        Mark("sent");
        foreach (var node in nodes)
        {
            await TestMesh.WaitUntilAsync(() => all.IsSubsetOf(StagedIps(node)), $"{node.Name} to stage all {all.Count} signals\n{cluster.Describe()}",
                TimeSpan.FromSeconds(40));
        }
        Mark("all staged");
        int foreign = (nodes.Length - 1) * rounds;
        foreach (var node in nodes)
        {
            var snapshot = node.Node.Snapshot();
            Assert.Equal(foreign, snapshot.Accepted); // every foreign signal judged once: a redelivery would be a duplicate, not a second accept
            Assert.Equal(all.Count, snapshot.Staged.Count);
            var received = (await node.AuditLinesAsync()).Where(IsReceived).Where(line => Action(line) != "duplicate").ToArray();
            Assert.Equal(foreign, received.Length);
            Assert.Equal(foreign, received.Select(line => line.GetProperty("signature").GetString()).Distinct().Count());
        }
        // The nodes that were on the dead server moved to a live one.
        Assert.All(nodes, node => Assert.NotEqual(new Uri(cluster[0].Url), Assert.Single(node.Transport.GetPeerLinks()).Peer.Endpoint));
        Mark("asserted");
    }

    [Fact]
    public async Task Stopped_node_catches_up_500_signals_on_restart_and_judges_none_twice()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        using var signers = new Signers(20);
        await using var mesh = await TestMesh.StartAsync(
            Node("A", servers.Urls),
            Node("B", servers.Urls) with { ExtraPeers = signers.AsPeers() });
        var (a, b) = (mesh["A"], mesh["B"]);
        var signals = Enumerable.Range(0, 500).Select(i => signers.Sign(i, $"185.233.{i / 250}.{i % 250 + 1}")).ToArray();

        foreach (var signal in signals[..100])
        {
            await a.Transport.BroadcastAsync(signal, CancellationToken.None); // A relays what others signed, signature intact
        }
        await TestMesh.WaitUntilAsync(() => b.Node.Snapshot().Accepted == 100, "B to judge the first 100");
        await b.StopAsync();
        foreach (var signal in signals[100..])
        {
            await a.Transport.BroadcastAsync(signal, CancellationToken.None);
        }
        await TestMesh.WaitUntilAsync(() => Assert.Single(a.Transport.GetPeerLinks()).Delivered == 500, "A's 500 publishes to be acknowledged");
        await b.StartAsync();

        await TestMesh.WaitUntilAsync(() => b.Node.Snapshot().Accepted == 400, "B to catch up on the 400 it missed", TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        var snapshot = b.Node.Snapshot();
        Assert.Equal((400L, 400L, 0L, 0L), (snapshot.Received, snapshot.Accepted, snapshot.Duplicates, snapshot.Rejected));
        Assert.Equal(500, snapshot.Staged.Count); // the first 100 restored from its state, the 400 staged now
        var judged = (await b.AuditLinesAsync()).Where(IsReceived).Select(line => line.GetProperty("signature").GetString()).ToArray();
        Assert.Equal(500, judged.Length);
        Assert.Equal(signals.Select(s => s.Signature).Order(), judged.Order());
    }

    [Fact]
    public async Task Forged_and_garbage_messages_from_a_raw_client_are_rejected_and_counted()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        var logs = new LogCapture();
        await using var mesh = await TestMesh.StartAsync(Node("A", servers.Urls), Node("B", servers.Urls) with { Logs = logs });
        var (a, b) = (mesh["A"], mesh["B"]);
        var genuine = TestMesh.Sign(a.Composed.Parts.Identity, "185.234.0.1");
        // A's genuine signature on a signal about someone else: NATS (or anyone on it) cannot forge a signal.
        var forged = genuine with { Ip = "185.234.0.66" };
        await using var raw = await RawAsync(servers.Urls);

        await PublishAsync(raw, MessagePackSignal.ToBytes(forged), "forged-1");
        await PublishAsync(raw, "\u0000\u0001 definitely not a signal"u8.ToArray(), "garbage-1");
        await PublishAsync(raw, MessagePackSignal.ToBytes(genuine), genuine.Signature);

        await TestMesh.WaitUntilAsync(() => StagedIps(b).Contains("185.234.0.1"), "B to stage the genuine signal");
        await TestMesh.WaitUntilAsync(() => logs.WithId(3160).Count == 1, "B to report the garbage message");
        var snapshot = b.Node.Snapshot();
        Assert.Equal((1L, 1L), (snapshot.Accepted, snapshot.Rejected));
        Assert.DoesNotContain("185.234.0.66", StagedIps(b));
        var rejected = Assert.Single((await b.AuditLinesAsync()).Where(IsReceived), line => Action(line) == "rejected");
        Assert.Equal(("185.234.0.66", "InvalidSignature"), (rejected.GetProperty("ip").GetString(), rejected.GetProperty("reason").GetString()));
        Assert.Contains("(not MessagePack)", Assert.Single(logs.WithId(3160)), StringComparison.Ordinal);
        Assert.DoesNotContain("185.234.0.66", StagedIps(a));
    }

    [Fact]
    public async Task One_signers_flood_over_nats_is_quarantined_while_another_signer_still_counts()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        using var signers = new Signers(2);
        await using var mesh = await TestMesh.StartAsync(Node("N", servers.Urls) with { InitialTrust = 0.85, ExtraPeers = signers.AsPeers() });
        var n = mesh["N"];
        await using var raw = await RawAsync(servers.Urls);

        // 52 distinct, valid signals signed by signer 0: 50 fit the hourly budget, the 51st judged trips it, the 52nd finds it quarantined.
        for (int i = 1; i <= 52; i++)
        {
            var signal = signers.SignAs(0, $"185.235.0.{i}");
            await PublishAsync(raw, MessagePackSignal.ToBytes(signal), signal.Signature);
        }
        var other = signers.SignAs(1, "185.235.1.1");
        await PublishAsync(raw, MessagePackSignal.ToBytes(other), other.Signature);

        await TestMesh.WaitUntilAsync(() => StagedIps(n).Contains("185.235.1.1"), "N to stage the other signer's signal");
        var snapshot = n.Node.Snapshot();
        Assert.Equal((51L, 2L), (snapshot.Accepted, snapshot.Rejected));
        // A node judges several stream messages at once, so which two of the 52 came last to the rate limit may vary.
        var staged = StagedIps(n);
        Assert.Equal(51, staged.Count);
        Assert.Contains("185.235.1.1", staged);
        Assert.Subset(Enumerable.Range(1, 52).Select(i => $"185.235.0.{i}").Append("185.235.1.1").ToHashSet(), staged);
        Assert.True(Assert.Single(snapshot.Reputations, r => r.NodeId == signers.NodeId(0)).IsQuarantined(DateTimeOffset.UtcNow));
        Assert.False(Assert.Single(snapshot.Reputations, r => r.NodeId == signers.NodeId(1)).IsQuarantined(DateTimeOffset.UtcNow));
        var refusals = (await n.AuditLinesAsync()).Where(IsReceived).Where(line => Action(line) == "quarantined").Select(line => line.GetProperty("reason").GetString());
        Assert.Equal(["PeerQuarantined", "RateLimitExceeded"], refusals.Order());
    }

    /// <summary><paramref name="count"/> nats nodes, node i dialling server i mod 3 first; every node lists every other (trust 0.5).</summary>
    internal static TestNodeSpec[] Nodes(NatsServers cluster, int count) =>
        Enumerable.Range(0, count)
            .Select(i => Node(string.Create(CultureInfo.InvariantCulture, $"N{i + 1:00}"), cluster.UrlsFrom(i % cluster.Servers.Count),
                replicas: cluster.Servers.Count))
            .ToArray();

    /// <summary>
    /// A node on the nats transport with the packaged settings but for the servers (and the replicas of a cluster, and
    /// any <paramref name="extra"/> settings such as credentials).
    /// </summary>
    internal static TestNodeSpec Node(string name, string servers, int replicas = 1, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["servers"] = servers,
            ["replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
            ["randomize_servers"] = "false",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        return new TestNodeSpec(name)
        {
            Transport = "nats",
            PluginSettings = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["nats"] = settings },
        };
    }

    /// <summary>Notes in the test's output how far it got and when (for a slow or failing run).</summary>
    private void Mark(string what) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_clock.ElapsedMilliseconds,6} ms {what}"));

    internal static Task Detect(TestMeshNode node, string ip) =>
        node.Node.HandleLocalDetectionAsync(new Detection(IPAddress.Parse(ip), "ssh_bruteforce", 0.92f, "failed logins from " + ip, DateTimeOffset.UtcNow),
            CancellationToken.None);

    internal static HashSet<string> StagedIps(TestMeshNode node) => node.Node.Snapshot().Staged.Select(e => e.Ip.ToString()).ToHashSet();

    private static bool IsReceived(JsonElement line) => line.GetProperty("direction").GetString() == "received";

    private static string? Action(JsonElement line) => line.GetProperty("action").GetString();

    private static async Task<NatsConnection> RawAsync(string urls)
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = urls });
        await connection.ConnectAsync();
        return connection;
    }

    private static async Task PublishAsync(NatsConnection raw, byte[] payload, string msgId)
    {
        var ack = await new NatsJSContext(raw).PublishAsync(Subject, payload, opts: new NatsJSPubOpts { MsgId = msgId });
        ack.EnsureSuccess();
    }

    /// <summary>Identities that sign signals in the test (not nodes of the mesh), each in its own temp dir.</summary>
    private sealed class Signers : IDisposable
    {
        private readonly TempDirectory _root = new();
        private readonly NodeIdentity[] _identities;

        public Signers(int count)
        {
            _identities = Enumerable.Range(0, count)
                .Select(i => NodeIdentity.LoadOrCreate(Directory.CreateDirectory(Path.Combine(_root.Path, i.ToString(CultureInfo.InvariantCulture))).FullName))
                .ToArray();
        }

        public string NodeId(int i) => _identities[i].NodeId;

        /// <summary>Signal number <paramref name="i"/>, signed by identity i mod count (spreading a load over the signers' budgets).</summary>
        public ThreatSignal Sign(int i, string ip) => TestMesh.Sign(_identities[i % _identities.Length], ip);

        public ThreatSignal SignAs(int signer, string ip) => TestMesh.Sign(_identities[signer], ip);

        /// <summary>The signers as configured peers (keys known: vouched), at endpoints nothing listens on.</summary>
        public PeerInfo[] AsPeers() =>
            _identities.Select((identity, i) => new PeerInfo(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:9/signer-{i}")), identity.NodeId, $"signer-{i}"))
                .ToArray();

        public void Dispose()
        {
            foreach (var identity in _identities)
            {
                identity.Dispose();
            }
            _root.Dispose();
        }
    }
}

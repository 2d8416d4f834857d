using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Peers;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>A peer that accepts connections and never answers must not slow down this node's own blocking, nor the other peers.</summary>
public sealed class SlowPeerTests
{
    [Fact]
    public async Task Hundred_local_detections_are_blocked_within_a_second_while_a_peer_accepts_and_never_answers()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts (the kernel completes the handshake) and never reads or answers
        var silentPeer = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        // Ten minutes per request: had a detection waited on that peer, 100 of them would take hours.
        var http = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["http"] = new Dictionary<string, string> { ["timeout_ms"] = "600000" } };
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A") { ExtraPeers = [new PeerInfo(silentPeer, null, "silent")], PluginSettings = http },
            new TestNodeSpec("B") { InitialTrust = 1.0, MaxSignalsPerHour = 1000 });
        var (a, b) = (mesh["A"], mesh["B"]);
        var ips = Enumerable.Range(0, 100).Select(i => $"185.221.{i / 50}.{i % 50 + 1}").ToArray();

        var clock = Stopwatch.StartNew();
        foreach (var ip in ips)
        {
            await a.Node.HandleLocalDetectionAsync(
                new Detection(IPAddress.Parse(ip), "ssh_bruteforce", 0.95f, "failed logins from " + ip, DateTimeOffset.UtcNow), CancellationToken.None);
        }
        await a.Node.FlushLocalAsync();
        var applied = await a.Composed.Parts.Enforcer.ListAsync(CancellationToken.None);
        var blockedWithin = clock.Elapsed;

        Assert.Equal(ips.Order(StringComparer.Ordinal), applied.Select(block => block.Ip.ToString()).Order(StringComparer.Ordinal));
        Assert.True(blockedWithin < TimeSpan.FromSeconds(1), $"100 local blocks took {blockedWithin.TotalMilliseconds:0} ms");
        // The live peer gets every signal while the silent one holds its first request open.
        await TestMesh.WaitUntilAsync(() => b.Node.Snapshot().Staged.Count == ips.Length, "B to stage all 100 of A's signals");
        var toSilent = a.Transport.GetPeerLinks().Single(link => link.Peer.Endpoint == silentPeer);
        Assert.Equal(0, toSilent.Delivered);
        Assert.Null(toSilent.LastContact);
    }
}

using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>One peer flooding a node gets itself quarantined; the node keeps listening to everyone else.</summary>
public sealed class PeerFloodTests
{
    [Fact]
    public async Task Flood_from_one_peer_quarantines_it_while_another_peer_keeps_working()
    {
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("N") { InitialTrust = 0.85 }, new TestNodeSpec("P1"), new TestNodeSpec("P2"));
        var (n, p1, p2) = (mesh["N"], mesh["P1"], mesh["P2"]);
        var replies = new List<(HttpStatusCode Status, string Body)>();

        // 52 distinct, valid signals signed by P1: 50 fit the hourly budget, the 51st trips it, the 52nd finds P1 quarantined.
        for (int i = 1; i <= 52; i++)
        {
            replies.Add(await mesh.PostAsync(n, TestMesh.Sign(p1.Composed.Parts.Identity, $"185.222.0.{i}")));
        }

        Assert.All(replies.Take(50), reply => Assert.Equal((HttpStatusCode.OK, """{"accepted":true,"action":"blocked_short_ttl"}"""), reply));
        Assert.Equal(((HttpStatusCode)429, """{"accepted":false,"action":"quarantined","error":"rate limit exceeded"}"""), replies[50]);
        Assert.Equal((HttpStatusCode.Forbidden, """{"accepted":false,"action":"quarantined","error":"peer is quarantined"}"""), replies[51]);
        var trustInP1 = Assert.Single(n.Node.Snapshot().Reputations, r => r.NodeId == p1.NodeId);
        Assert.True(trustInP1.IsQuarantined(DateTimeOffset.UtcNow));
        Assert.DoesNotContain(n.Node.Snapshot().Staged, e => e.Ip.ToString() is "185.222.0.51" or "185.222.0.52");

        // P2 is unaffected: its signal over HTTP is staged, and so is what P2's own node broadcasts.
        var fromP2 = await mesh.PostAsync(n, TestMesh.Sign(p2.Composed.Parts.Identity, "185.222.1.1"));
        Assert.Equal((HttpStatusCode.OK, """{"accepted":true,"action":"blocked_short_ttl"}"""), fromP2);
        await p2.Node.HandleLocalDetectionAsync(
            new Detection(IPAddress.Parse("185.222.1.2"), "port_scan", 0.92f, "scan of 1000 ports", DateTimeOffset.UtcNow), CancellationToken.None);
        await TestMesh.WaitUntilAsync(() => n.Node.Snapshot().Staged.Any(e => e.Ip.ToString() == "185.222.1.2"), "N to stage P2's broadcast");
        var entry = Assert.Single(n.Node.Snapshot().Staged, e => e.Ip.ToString() == "185.222.1.2");
        Assert.Equal(SignalAction.BlockedShortTtl, entry.Action);
        Assert.Equal([p2.NodeId], entry.Contributors);
        Assert.False(Assert.Single(n.Node.Snapshot().Reputations, r => r.NodeId == p2.NodeId).IsQuarantined(DateTimeOffset.UtcNow));
    }
}

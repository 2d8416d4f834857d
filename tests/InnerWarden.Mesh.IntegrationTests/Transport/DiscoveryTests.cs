using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>Peers configured by endpoint only: the running node learns their keys by ping and vouches for them.</summary>
public sealed class DiscoveryTests
{
    [Fact]
    public async Task A_peer_configured_without_a_key_is_resolved_by_ping_and_gets_initial_trust()
    {
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A"),
            new TestNodeSpec("B") { InitialTrust = 0.85, PeerKeysUnknown = true });
        var a = mesh["A"];
        var b = mesh["B"];

        await TestMesh.WaitUntilAsync(() => b.Node.Reputations.IsVouched(a.NodeId), "B resolves A's key by ping");
        Assert.Equal(0.85, b.Node.Reputations.Find(a.NodeId)!.Trust, 10);

        await a.Node.HandleLocalDetectionAsync(new Detection(IPAddress.Parse("185.220.1.7"), "ssh_bruteforce", 0.92f, "x", DateTimeOffset.UtcNow), CancellationToken.None);
        await TestMesh.WaitUntilAsync(() => b.Node.Snapshot().Staged.Count == 1, "B stages A's signal");

        var entry = Assert.Single(b.Node.Snapshot().Staged);
        Assert.Equal(SignalAction.BlockedShortTtl, entry.Action);
        Assert.Equal(a.NodeId, Assert.Single(entry.Contributors));
    }
}

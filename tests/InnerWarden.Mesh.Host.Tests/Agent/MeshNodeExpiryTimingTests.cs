using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Agent;

public sealed class MeshNodeExpiryTimingTests
{
    [Fact]
    public async Task An_entry_staged_during_a_long_poll_wait_is_still_reverted_when_it_expires()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var peer = new TestPeer(2, time);
        // The periodic loop sleeps for the poll interval unless an entry expires sooner; this one is staged
        // after the loop went to sleep for two hours and expires in one.
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(peer)], PollInterval = TimeSpan.FromHours(2) });
        await node.SubmitAsync(peer.Signal("185.220.1.7", 0.9f));
        await node.Node.FlushAsync();
        Assert.Single(node.Node.Snapshot().Staged);

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        for (var i = 0; i < 250 && node.Node.Snapshot().Staged.Count > 0; i++)
        {
            // The loop re-arms its timer asynchronously; nudge the fake clock by a millisecond until it has run.
            await Task.Delay(20);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        await node.Node.FlushAsync();

        Assert.Empty(node.Node.Snapshot().Staged);
        Assert.Empty(node.Enforcer.Blocks);
        Assert.True(node.TrustOf(peer.NodeId) < NodeHarness.InitialTrust);
    }
}

using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Broadcast;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Broadcast;

public sealed class BroadcastQueueTests
{
    private static Detection Attack(int i) => new(IPAddress.Parse($"185.220.1.{i}"), "ssh_bruteforce", 0.9f, "evidence " + i, NodeHarness.Start);

    [Fact]
    public async Task Full_queue_drops_the_oldest_waiting_detection_and_counts_it()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var identity = NodeIdentity.FromSeed(Enumerable.Repeat((byte)7, 32).ToArray());
        await using var audit = new AuditLog(dir.Path, AuditOptions.Default, time, NullLogger.Instance);
        var transport = new StalledTransport();
        await using var queue = new BroadcastQueue(transport, new SignalSigner(identity, time), audit, new NodeEventHub(NullLogger.Instance), time,
            NullLogger.Instance, capacity: 3);
        queue.Start();

        queue.Enqueue(Attack(1), 3600, 0.9);
        await transport.WaitForAsync(1); // 1 is with the transport, which does not return
        for (int i = 2; i <= 5; i++)
        {
            queue.Enqueue(Attack(i), 3600, 0.9); // never blocks; 5 pushes 2 out of the 3 places
        }

        Assert.Equal(1, queue.Dropped);
        Assert.Equal(4, queue.Pending); // 1 in the transport, 3, 4 and 5 waiting
        var flushed = queue.FlushAsync();
        Assert.False(flushed.IsCompleted);

        transport.Release();
        await flushed.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(["185.220.1.1", "185.220.1.3", "185.220.1.4", "185.220.1.5"], transport.Received.Select(s => s.Ip));
        Assert.All(transport.Received, s => Assert.True(SignalVerifier.Verify(s)));
        Assert.Equal(4, queue.Sent);
        Assert.Equal(0, queue.Pending);
    }

    [Fact]
    public async Task Stopping_with_a_stuck_transport_waits_a_bounded_time_and_drops_the_rest()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var identity = NodeIdentity.FromSeed(Enumerable.Repeat((byte)7, 32).ToArray());
        await using var audit = new AuditLog(dir.Path, AuditOptions.Default, time, NullLogger.Instance);
        var transport = new StalledTransport();
        var queue = new BroadcastQueue(transport, new SignalSigner(identity, time), audit, new NodeEventHub(NullLogger.Instance), time, NullLogger.Instance);
        queue.Start();
        queue.Enqueue(Attack(1), 3600, 0.9);
        queue.Enqueue(Attack(2), 3600, 0.9);
        await transport.WaitForAsync(1);

        var disposed = queue.DisposeAsync().AsTask();
        Assert.False(disposed.IsCompleted);
        time.Advance(BroadcastQueue.StopGrace);
        await disposed.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Single(transport.Received);
        Assert.Equal(1, queue.Sent);
    }
}

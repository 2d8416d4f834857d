using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Host.Enforcement;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Enforcement;

public sealed class EnforcementQueueTests
{
    private static IPAddress Ip(int i) => new([185, 220, (byte)(i / 256), (byte)(i % 256)]);

    [Fact]
    public async Task Many_decisions_are_micro_batched_into_few_backend_calls()
    {
        var enforcer = new RecordingEnforcer();
        await using var queue = new EnforcementQueue(enforcer, new FakeTimeProvider(NodeHarness.Start), NullLogger.Instance, TimeSpan.FromMilliseconds(20));
        queue.Start();

        for (int i = 0; i < 500; i++)
        {
            queue.Block(Ip(i), TimeSpan.FromHours(1));
        }
        await queue.FlushAsync();

        Assert.Equal(500, enforcer.Blocks.Count);
        Assert.InRange(enforcer.ApplyCalls.Count, 1, 5);
    }

    [Fact]
    public async Task An_idle_queue_applies_the_first_block_without_waiting_for_the_batch_window()
    {
        var enforcer = new RecordingEnforcer();
        // A window of an hour: had the first block waited for it, it would not reach the firewall within the 30 s bound.
        await using var queue = new EnforcementQueue(enforcer, new FakeTimeProvider(NodeHarness.Start), NullLogger.Instance, TimeSpan.FromHours(1));
        queue.Start();

        queue.Block(Ip(1), TimeSpan.FromHours(1));
        for (var i = 0; i < 1500 && !enforcer.Blocks.ContainsKey(Ip(1)); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(enforcer.Blocks.ContainsKey(Ip(1)));
    }

    [Fact]
    public async Task Block_then_revert_of_one_address_in_a_batch_is_only_a_revert()
    {
        var enforcer = new RecordingEnforcer();
        await using var queue = new EnforcementQueue(enforcer, new FakeTimeProvider(NodeHarness.Start), NullLogger.Instance, TimeSpan.FromSeconds(2));
        queue.Start();
        // An idle queue applies at once; a first batch makes it busy, so what follows gathers for the window.
        queue.Block(Ip(2), TimeSpan.FromHours(1));
        await queue.FlushAsync();

        queue.Block(Ip(1), TimeSpan.FromHours(1));
        queue.Revert(Ip(1));
        await queue.FlushAsync();

        Assert.DoesNotContain(Ip(1), enforcer.EverApplied);
        Assert.Contains(enforcer.RevertCalls, c => c.Contains(Ip(1)));
    }

    [Fact]
    public async Task Backend_failure_is_survived_and_the_next_reconcile_applies_what_failed()
    {
        var enforcer = new RecordingEnforcer { Fail = true };
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using var queue = new EnforcementQueue(enforcer, time, NullLogger.Instance);
        queue.Start();
        queue.Block(Ip(1), TimeSpan.FromHours(1));
        await queue.FlushAsync();
        Assert.True(queue.NeedsReconcile);
        Assert.Empty(enforcer.Blocks);

        enforcer.Fail = false;
        queue.Block(Ip(2), TimeSpan.FromHours(1));
        await queue.FlushAsync();
        await queue.ReconcileAsync([Entry(Ip(1), time), Entry(Ip(2), time)], CancellationToken.None);

        Assert.False(queue.NeedsReconcile);
        Assert.Equal([Ip(1), Ip(2)], enforcer.Blocks.Keys.OrderBy(ip => ip.ToString()));
    }

    [Fact]
    public async Task Reconcile_removes_stale_blocks_and_applies_desired_ones_with_remaining_ttl()
    {
        var enforcer = new RecordingEnforcer();
        enforcer.Preload(Ip(9), TimeSpan.FromHours(3));
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using var queue = new EnforcementQueue(enforcer, time, NullLogger.Instance);
        var desired = Entry(Ip(1), time) with { ExpiresAt = time.GetUtcNow() + TimeSpan.FromMinutes(42) };
        var watch = Entry(Ip(2), time) with { Action = SignalAction.Watchlisted };

        await queue.ReconcileAsync([desired, watch], CancellationToken.None);

        Assert.Equal(TimeSpan.FromMinutes(42), Assert.Single(enforcer.Blocks).Value);
        Assert.Contains(enforcer.RevertCalls, c => c.Contains(Ip(9)));
    }

    private static StagedEntry Entry(IPAddress ip, TimeProvider time) =>
        new(ip, SignalAction.BlockedShortTtl, 0.7, "ssh", time.GetUtcNow(), time.GetUtcNow() + TimeSpan.FromHours(1), ["a"], false, false);
}

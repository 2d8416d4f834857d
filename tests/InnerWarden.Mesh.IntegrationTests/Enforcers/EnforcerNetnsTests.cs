using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using InnerWarden.Mesh.IntegrationTests.Netns;

namespace InnerWarden.Mesh.IntegrationTests.Enforcers;

/// <summary>
/// The same real-firewall scenarios for every Linux backend: the enforcer runs inside a throw-away "server"
/// namespace and an "attacker" namespace proves what gets through. Each test builds and deletes its own pair.
/// </summary>
public abstract class EnforcerNetnsTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>The binaries this backend needs.</summary>
    private protected abstract string[] Tools { get; }

    private protected abstract IFirewallEnforcer CreateEnforcer(ICommandRunner runner);

    /// <summary>How the backend reaches the server namespace's kernel; the nft process by default.</summary>
    private protected virtual ICommandRunner CreateRunner(NetnsPair net) => new ProcessCommandRunner(ProcessCommandRunner.DefaultTimeout, net.Server);

    [SkippableFact]
    public async Task Block_drops_tcp_and_ping_and_revert_lets_them_through_again()
    {
        using var net = Setup();
        var port = net.Listen();
        var enforcer = await StartAsync(net);
        Assert.True(await net.CanConnectAsync(NetnsPair.ServerV4, port));
        Assert.True(net.CanPing(NetnsPair.ServerV4));

        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, Hour)], default);
        Assert.False(await net.CanConnectAsync(NetnsPair.ServerV4, port));
        Assert.False(net.CanPing(NetnsPair.ServerV4));

        await enforcer.RevertAsync([NetnsPair.AttackerV4], default);
        Assert.True(await net.CanConnectAsync(NetnsPair.ServerV4, port));
        Assert.True(net.CanPing(NetnsPair.ServerV4));
        Assert.Empty(await enforcer.ListAsync(default));
    }

    [SkippableFact]
    public async Task Ipv6_block_drops_tcp_and_ping_and_revert_lets_them_through_again()
    {
        using var net = Setup();
        var port = net.Listen();
        var enforcer = await StartAsync(net);
        Assert.True(await net.CanConnectAsync(NetnsPair.ServerV6, port));
        Assert.True(net.CanPing(NetnsPair.ServerV6));

        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV6, Hour)], default);
        Assert.False(await net.CanConnectAsync(NetnsPair.ServerV6, port));
        Assert.False(net.CanPing(NetnsPair.ServerV6));
        // The v4 address of the same attacker is not blocked: the families are separate sets.
        Assert.True(await net.CanConnectAsync(NetnsPair.ServerV4, port));

        await enforcer.RevertAsync([NetnsPair.AttackerV6], default);
        Assert.True(await net.CanConnectAsync(NetnsPair.ServerV6, port));
        Assert.True(net.CanPing(NetnsPair.ServerV6));
    }

    [SkippableFact]
    public async Task Traffic_flows_again_when_the_kernel_timeout_ends()
    {
        using var net = Setup();
        var port = net.Listen();
        var enforcer = await StartAsync(net);
        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, TimeSpan.FromSeconds(2))], default);
        Assert.False(await net.CanConnectAsync(NetnsPair.ServerV4, port));

        // The kernel's own timer removes the element; no revert is called. Bounded wait, not a timed assertion.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var open = false;
        while (!open && DateTime.UtcNow < deadline)
        {
            open = await net.CanConnectAsync(NetnsPair.ServerV4, port);
        }
        Assert.True(open);
        Assert.True(net.CanPing(NetnsPair.ServerV4));
        Assert.Empty(await enforcer.ListAsync(default));
    }

    [SkippableFact]
    public async Task A_restarted_enforcer_initializes_idempotently_and_lists_the_earlier_blocks()
    {
        using var net = Setup();
        var port = net.Listen();
        var first = await StartAsync(net);
        await first.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, Hour), new BlockRequest(NetnsPair.AttackerV6, Hour)], default);
        var rulesBefore = RuleSnapshot(net);

        var second = await StartAsync(net);
        await second.InitializeAsync(default);

        Assert.Equal(rulesBefore, RuleSnapshot(net));
        var listed = await second.ListAsync(default);
        Assert.Equal(
            new[] { NetnsPair.AttackerV4, NetnsPair.AttackerV6 }.Select(a => a.ToString()).Order(),
            listed.Select(b => b.Ip.ToString()).Order());
        Assert.All(listed, b => Assert.InRange(b.Remaining!.Value, TimeSpan.FromMinutes(58), Hour));
        Assert.False(await net.CanConnectAsync(NetnsPair.ServerV4, port));
    }

    [SkippableFact]
    public async Task Reapplying_a_block_refreshes_its_timeout()
    {
        using var net = Setup();
        var enforcer = await StartAsync(net);
        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, TimeSpan.FromSeconds(30))], default);
        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, Hour)], default);

        var block = Assert.Single(await enforcer.ListAsync(default));
        Assert.True(block.Remaining > TimeSpan.FromMinutes(50), $"remaining {block.Remaining}");
    }

    [SkippableFact]
    public async Task Reverting_addresses_that_are_not_blocked_is_not_an_error()
    {
        using var net = Setup();
        var enforcer = await StartAsync(net);
        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, Hour)], default);

        await enforcer.RevertAsync([IPAddress.Parse("203.0.113.9"), IPAddress.Parse("2001:db8::9"), NetnsPair.AttackerV4], default);

        Assert.Empty(await enforcer.ListAsync(default));
    }

    [SkippableFact]
    public async Task Ten_thousand_blocks_apply_as_one_command_and_are_all_listed()
    {
        using var net = Setup();
        var counting = new CountingRunner(CreateRunner(net));
        var enforcer = CreateEnforcer(counting);
        await enforcer.InitializeAsync(default);
        var blocks = Enumerable.Range(0, 10_000)
            .Select(i => new BlockRequest(new IPAddress([(byte)(20 + i / 65536), (byte)(i / 256 % 256), (byte)(i % 256), 9]), Hour))
            .ToList();
        var before = counting.Calls;

        await enforcer.ApplyAsync(blocks, default);

        Assert.Equal(before + 1, counting.Calls);
        var listed = await enforcer.ListAsync(default);
        Assert.Equal(10_000, listed.Count);
        Assert.Equal(blocks.Select(b => b.Ip).ToHashSet(), listed.Select(b => b.Ip).ToHashSet());
    }

    [SkippableFact]
    public async Task Packets_from_a_blocked_address_are_counted_as_dropped()
    {
        using var net = Setup();
        var port = net.Listen();
        var enforcer = await StartAsync(net);
        Skip.IfNot(enforcer.HasHitCounters, "this kernel has no per-element set counters");
        await enforcer.ApplyAsync([new BlockRequest(NetnsPair.AttackerV4, Hour)], default);
        var before = Assert.Single(await enforcer.ListAsync(default)).PacketsDropped;

        Assert.False(await net.CanConnectAsync(NetnsPair.ServerV4, port));
        Assert.False(net.CanPing(NetnsPair.ServerV4));

        var after = Assert.Single(await enforcer.ListAsync(default)).PacketsDropped;
        Assert.Equal(0, before);
        Assert.True(after >= 2, $"dropped packets {after}");
    }

    /// <summary>The backend's rules as text, to prove a second initialization added nothing.</summary>
    private protected abstract string RuleSnapshot(NetnsPair net);

    private protected NetnsPair Setup()
    {
        return NetnsPair.CreateOrSkip(Tools);
    }

    private async Task<IFirewallEnforcer> StartAsync(NetnsPair net)
    {
        var enforcer = CreateEnforcer(CreateRunner(net));
        await enforcer.InitializeAsync(default);
        return enforcer;
    }
}

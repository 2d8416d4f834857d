using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using InnerWarden.Mesh.Enforcers.Iptables;
using InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.Commands;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.Iptables;

public sealed class IptablesEnforcerTests
{
    private static IptablesEnforcer Create(ScriptedRunner runner) => new(runner, NullLogger<IptablesEnforcer>.Instance);

    [Fact]
    public async Task Initialize_creates_both_sets_with_restore_exist_and_inserts_missing_rules_once()
    {
        var runner = new ScriptedRunner()
            .On("iptables -w 5 -C", new CommandResult(1, "", "iptables: Bad rule (does a matching rule exist in that chain?)."))
            .On("ip6tables -w 5 -C", new CommandResult(0, "", ""));
        var enforcer = Create(runner);

        await enforcer.InitializeAsync(default);

        Assert.Equal(("ipset", "restore -exist"), (runner.Calls[0].File, runner.Calls[0].Args));
        Assert.Equal(
            "create innerwarden-mesh-v4 hash:ip family inet timeout 0 maxelem 1000000 counters\n" +
            "create innerwarden-mesh-v6 hash:ip family inet6 timeout 0 maxelem 1000000 counters\n",
            runner.Calls[0].Stdin);
        Assert.Equal(
            [
                "iptables -w 5 -C INPUT -m set --match-set innerwarden-mesh-v4 src -j DROP",
                "iptables -w 5 -I INPUT 1 -m set --match-set innerwarden-mesh-v4 src -j DROP",
                "ip6tables -w 5 -C INPUT -m set --match-set innerwarden-mesh-v6 src -j DROP",
            ],
            runner.Calls.Skip(1).Select(c => $"{c.File} {c.Args}"));
        Assert.True(enforcer.HasHitCounters);
    }

    [Fact]
    public async Task A_rule_check_that_fails_for_another_reason_than_absence_is_an_error_naming_the_command()
    {
        var runner = new ScriptedRunner().On("iptables -w 5 -C", new CommandResult(4, "", "iptables: Permission denied (you must be root)."));

        var e = await Assert.ThrowsAsync<EnforcerException>(() => Create(runner).InitializeAsync(default));

        Assert.Contains("iptables -w 5 -C INPUT", e.Message, StringComparison.Ordinal);
        Assert.Contains("you must be root", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_and_revert_are_one_ipset_restore_each_with_timeouts_refreshed_by_exist()
    {
        var runner = new ScriptedRunner();
        var enforcer = Create(runner);

        await enforcer.ApplyAsync([new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(1)), new BlockRequest(IPAddress.Parse("2a00:1450:4001::7"), TimeSpan.FromMinutes(2))], default);
        await enforcer.RevertAsync([IPAddress.Parse("185.220.1.7"), IPAddress.Parse("2a00:1450:4001::7")], default);

        Assert.Equal(2, runner.Calls.Count);
        Assert.All(runner.Calls, c => Assert.Equal("ipset restore -exist", $"{c.File} {c.Args}"));
        Assert.Equal("add innerwarden-mesh-v4 185.220.1.7 timeout 3600\nadd innerwarden-mesh-v6 2a00:1450:4001::7 timeout 120\n", runner.Calls[0].Stdin);
        Assert.Equal("del innerwarden-mesh-v4 185.220.1.7\ndel innerwarden-mesh-v6 2a00:1450:4001::7\n", runner.Calls[1].Stdin);
    }

    [Fact]
    public async Task A_refused_batch_is_an_error_naming_ipset_and_its_stderr()
    {
        var runner = new ScriptedRunner().On("restore", new CommandResult(1, "", "ipset v7.17: Error in line 1: Kernel error received: Operation not permitted"));

        var e = await Assert.ThrowsAsync<EnforcerException>(() => Create(runner).ApplyAsync([new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(1))], default));

        Assert.Contains("ipset restore -exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_reads_timeouts_and_packet_counters_from_ipset_save()
    {
        var runner = new ScriptedRunner()
            .On("save innerwarden-mesh-v4", new CommandResult(0,
                "create innerwarden-mesh-v4 hash:ip family inet hashsize 1024 maxelem 1000000 timeout 0 counters\n" +
                "add innerwarden-mesh-v4 185.220.1.7 timeout 99 packets 3 bytes 180\n" +
                "add innerwarden-mesh-v4 45.1.2.3 timeout 0\n" +
                "add other-set 9.9.9.9 timeout 5\n", ""))
            .On("save innerwarden-mesh-v6", new CommandResult(0, "add innerwarden-mesh-v6 2a00:1450:4001::7 timeout 7 packets 0 bytes 0\n", ""));

        var list = await Create(runner).ListAsync(default);

        Assert.Equal(
            [
                new AppliedBlock(IPAddress.Parse("185.220.1.7"), TimeSpan.FromSeconds(99), 3),
                new AppliedBlock(IPAddress.Parse("45.1.2.3"), null, null),
                new AppliedBlock(IPAddress.Parse("2a00:1450:4001::7"), TimeSpan.FromSeconds(7), 0),
            ],
            list);
    }
}

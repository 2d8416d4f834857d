using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using InnerWarden.Mesh.Enforcers.Nftables;
using InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.Commands;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.Nftables;

public sealed class NftablesEnforcerTests
{
    private const string EmptyChain = """{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"chain": {"family": "inet", "table": "innerwarden_mesh", "name": "input"}}]}""";
    private const string ChainWithRules = """
        {"nftables": [{"metainfo": {"version": "1.0.6"}}, {"chain": {"family": "inet", "table": "innerwarden_mesh", "name": "input"}},
        {"rule": {"chain": "input", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@blocked_v4"}}, {"drop": null}]}},
        {"rule": {"chain": "input", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": "@blocked_v6"}}, {"drop": null}]}}]}
        """;

    private static NftablesEnforcer Create(ScriptedRunner runner, string? table = null) =>
        new(NftablesOptions.Parse(table is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["table"] = table }),
            runner, NullLogger<NftablesEnforcer>.Instance);

    [Fact]
    public async Task Initialize_creates_table_sets_with_counters_and_chain_before_the_usual_filters_and_adds_both_rules()
    {
        var runner = new ScriptedRunner().On("list chain", new CommandResult(0, EmptyChain, ""));
        var enforcer = Create(runner);

        await enforcer.InitializeAsync(default);

        var skeleton = runner.Calls[0];
        Assert.Equal(("nft", "-f -"), (skeleton.File, skeleton.Args));
        Assert.Contains("add table inet innerwarden_mesh", skeleton.Stdin, StringComparison.Ordinal);
        Assert.Contains("add set inet innerwarden_mesh blocked_v4 { type ipv4_addr; flags timeout; counter; }", skeleton.Stdin, StringComparison.Ordinal);
        Assert.Contains("add set inet innerwarden_mesh blocked_v6 { type ipv6_addr; flags timeout; counter; }", skeleton.Stdin, StringComparison.Ordinal);
        Assert.Contains("add chain inet innerwarden_mesh input { type filter hook input priority -10; policy accept; }", skeleton.Stdin, StringComparison.Ordinal);
        Assert.DoesNotContain("flush", skeleton.Stdin, StringComparison.Ordinal);
        Assert.Equal("-j list chain inet innerwarden_mesh input", runner.Calls[1].Args);
        Assert.Equal("add rule inet innerwarden_mesh input ip saddr @blocked_v4 drop\nadd rule inet innerwarden_mesh input ip6 saddr @blocked_v6 drop\n", runner.Calls[2].Stdin);
        Assert.True(enforcer.HasHitCounters);
    }

    [Fact]
    public async Task Initialize_adds_no_rule_that_is_already_there()
    {
        var runner = new ScriptedRunner().On("list chain", new CommandResult(0, ChainWithRules, ""));

        await Create(runner).InitializeAsync(default);

        Assert.Equal(2, runner.Calls.Count);
    }

    [Fact]
    public async Task Initialize_falls_back_to_sets_without_counters_when_the_kernel_refuses_them()
    {
        var runner = new ScriptedRunner().On("list chain", new CommandResult(0, ChainWithRules, ""));
        var calls = 0;
        var refusing = new DelegatingRunner(runner, (f, a, s) => s is not null && s.Contains("counter;", StringComparison.Ordinal) && calls++ == 0
            ? new CommandResult(1, "", "Error: Could not process rule: Not supported") : null);
        var enforcer = new NftablesEnforcer(NftablesOptions.Parse(new Dictionary<string, string>()), refusing, NullLogger<NftablesEnforcer>.Instance);

        await enforcer.InitializeAsync(default);

        Assert.False(enforcer.HasHitCounters);
        Assert.Contains(runner.Calls, c => c.Stdin is not null && c.Stdin.Contains("blocked_v4 { type ipv4_addr; flags timeout; }", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Initialize_failure_names_the_command_and_nfts_error()
    {
        var runner = new ScriptedRunner().On("-f -", new CommandResult(1, "", "Error: Could not process rule: Operation not permitted"));

        var e = await Assert.ThrowsAsync<EnforcerException>(() => Create(runner).InitializeAsync(default));

        Assert.Contains("nft -f -", e.Message, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_is_one_transaction_that_adds_deletes_and_re_adds_so_timeouts_refresh()
    {
        var runner = new ScriptedRunner();

        await Create(runner, "custom_t").ApplyAsync(
            [
                new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(1)),
                new BlockRequest(IPAddress.Parse("2a00:1450:4001::7"), TimeSpan.FromSeconds(2.5)),
                new BlockRequest(IPAddress.Parse("::ffff:45.1.2.3"), TimeSpan.FromHours(24)),
            ], default);

        var call = Assert.Single(runner.Calls);
        Assert.Equal("-f -", call.Args);
        Assert.Equal(
            "add element inet custom_t blocked_v4 { 185.220.1.7 timeout 3600s, 45.1.2.3 timeout 86400s }\n" +
            "delete element inet custom_t blocked_v4 { 185.220.1.7, 45.1.2.3 }\n" +
            "add element inet custom_t blocked_v4 { 185.220.1.7 timeout 3600s, 45.1.2.3 timeout 86400s }\n" +
            "add element inet custom_t blocked_v6 { 2a00:1450:4001::7 timeout 3s }\n" +
            "delete element inet custom_t blocked_v6 { 2a00:1450:4001::7 }\n" +
            "add element inet custom_t blocked_v6 { 2a00:1450:4001::7 timeout 3s }\n",
            call.Stdin);
    }

    [Fact]
    public async Task After_a_listing_absent_addresses_get_a_plain_add_and_present_ones_the_refresh()
    {
        var runner = new ScriptedRunner()
            .On("list set inet innerwarden_mesh blocked_v4", new CommandResult(0, """
                {"nftables": [{"set": {"family": "inet", "name": "blocked_v4", "table": "innerwarden_mesh", "type": "ipv4_addr", "flags": ["timeout"],
                 "elem": [{"elem": {"val": "185.220.1.7", "timeout": 3600, "expires": 3000}}]}}]}
                """, ""))
            .On("list set inet innerwarden_mesh blocked_v6", new CommandResult(0, """{"nftables": []}""", ""));
        var enforcer = Create(runner);
        await enforcer.ListAsync(default);

        await enforcer.ApplyAsync(
            [new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(24)), new BlockRequest(IPAddress.Parse("185.220.1.8"), TimeSpan.FromHours(1))], default);

        Assert.Equal(
            "add element inet innerwarden_mesh blocked_v4 { 185.220.1.7 timeout 86400s }\n" +
            "delete element inet innerwarden_mesh blocked_v4 { 185.220.1.7 }\n" +
            "add element inet innerwarden_mesh blocked_v4 { 185.220.1.8 timeout 3600s, 185.220.1.7 timeout 86400s }\n",
            runner.Calls[^1].Stdin);
    }

    [Fact]
    public async Task Reverting_what_it_surely_holds_is_a_plain_delete_and_anything_else_is_guarded()
    {
        var runner = new ScriptedRunner()
            .On("list set inet innerwarden_mesh blocked_v4", new CommandResult(0, """{"nftables": []}""", ""))
            .On("list set inet innerwarden_mesh blocked_v6", new CommandResult(0, """{"nftables": []}""", ""));
        var enforcer = Create(runner);
        await enforcer.ListAsync(default);
        await enforcer.ApplyAsync([new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(1))], default);

        await enforcer.RevertAsync([IPAddress.Parse("185.220.1.7"), IPAddress.Parse("185.220.1.9")], default);

        Assert.Equal(
            "add element inet innerwarden_mesh blocked_v4 { 185.220.1.9 }\n" +
            "delete element inet innerwarden_mesh blocked_v4 { 185.220.1.7, 185.220.1.9 }\n",
            runner.Calls[^1].Stdin);
    }

    [Fact]
    public async Task Before_any_listing_every_apply_uses_the_refresh_because_a_previous_run_may_have_left_the_address()
    {
        var runner = new ScriptedRunner();

        await Create(runner).ApplyAsync([new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(1))], default);

        Assert.Contains("delete element", Assert.Single(runner.Calls).Stdin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_of_the_same_address_twice_in_a_batch_uses_the_last_ttl_once()
    {
        var runner = new ScriptedRunner();

        await Create(runner).ApplyAsync(
            [new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(1)), new BlockRequest(IPAddress.Parse("185.220.1.7"), TimeSpan.FromHours(2))], default);

        Assert.StartsWith("add element inet innerwarden_mesh blocked_v4 { 185.220.1.7 timeout 7200s }\n", runner.Calls[0].Stdin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_batches_run_nothing()
    {
        var runner = new ScriptedRunner();
        var enforcer = Create(runner);

        await enforcer.ApplyAsync([], default);
        await enforcer.RevertAsync([], default);

        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task Revert_is_one_transaction_that_cannot_fail_on_a_missing_element()
    {
        var runner = new ScriptedRunner();

        await Create(runner).RevertAsync([IPAddress.Parse("185.220.1.7"), IPAddress.Parse("2a00:1450:4001::7")], default);

        Assert.Equal(
            "add element inet innerwarden_mesh blocked_v4 { 185.220.1.7 }\n" +
            "delete element inet innerwarden_mesh blocked_v4 { 185.220.1.7 }\n" +
            "add element inet innerwarden_mesh blocked_v6 { 2a00:1450:4001::7 }\n" +
            "delete element inet innerwarden_mesh blocked_v6 { 2a00:1450:4001::7 }\n",
            Assert.Single(runner.Calls).Stdin);
    }

    [Fact]
    public async Task List_reads_addresses_remaining_time_and_dropped_packets_from_nft_json()
    {
        var runner = new ScriptedRunner()
            .On("list set inet innerwarden_mesh blocked_v4", new CommandResult(0, """
                {"nftables": [{"metainfo": {"version": "1.0.6"}}, {"set": {"family": "inet", "name": "blocked_v4", "table": "innerwarden_mesh", "type": "ipv4_addr",
                 "flags": ["timeout"], "elem": [{"elem": {"val": "185.220.1.7", "timeout": 3600, "expires": 3599, "counter": {"packets": 42, "bytes": 2520}}},
                 "45.1.2.3", {"elem": {"val": {"prefix": {"addr": "10.0.0.0", "len": 8}}}}]}}]}
                """, ""))
            .On("list set inet innerwarden_mesh blocked_v6", new CommandResult(0, """
                {"nftables": [{"set": {"family": "inet", "name": "blocked_v6", "table": "innerwarden_mesh", "type": "ipv6_addr", "flags": ["timeout"]}}]}
                """, ""));

        var list = await Create(runner).ListAsync(default);

        Assert.Equal(
            [new AppliedBlock(IPAddress.Parse("185.220.1.7"), TimeSpan.FromSeconds(3599), 42), new AppliedBlock(IPAddress.Parse("45.1.2.3"), null, null)],
            list);
    }

    [Fact]
    public async Task List_of_output_that_is_not_json_is_an_enforcer_error_naming_the_command()
    {
        var runner = new ScriptedRunner().On("list set", new CommandResult(0, "table inet innerwarden_mesh {", ""));

        var e = await Assert.ThrowsAsync<EnforcerException>(() => Create(runner).ListAsync(default));

        Assert.Contains("nft -j list set inet innerwarden_mesh blocked_v4", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    [InlineData("x;flush ruleset")]
    [InlineData("1table")]
    public void A_bad_table_name_is_rejected_naming_the_setting(string table)
    {
        var e = Assert.Throws<ArgumentException>(() => NftablesOptions.Parse(new Dictionary<string, string> { ["table"] = table }));

        Assert.Contains("plugin_settings.nftables.table", e.Message, StringComparison.Ordinal);
    }

    private sealed class DelegatingRunner(ICommandRunner inner, Func<string, IReadOnlyList<string>, string?, CommandResult?> intercept) : ICommandRunner
    {
        public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? stdin, CancellationToken cancellationToken) =>
            intercept(fileName, arguments, stdin) is { } r ? Task.FromResult(r) : inner.RunAsync(fileName, arguments, stdin, cancellationToken);
    }
}

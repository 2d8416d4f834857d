using System.Net;
using InnerWarden.Mesh.Enforcers.WindowsFirewall;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.WindowsFirewall;

public sealed class WindowsFirewallRulePlannerTests
{
    private static IPAddress Ip(int i) => new([(byte)(20 + i / 65536), (byte)(i / 256 % 256), (byte)(i % 256), 9]);

    private static List<IPAddress> Ips(int from, int count) => Enumerable.Range(from, count).Select(Ip).ToList();

    [Fact]
    public void First_blocks_create_rule_0000()
    {
        var plan = WindowsFirewallRulePlanner.Plan([], [Ip(1), Ip(2)], []);

        var rule = Assert.Single(plan.Set);
        Assert.Equal("InnerWarden.Mesh Block 0000", rule.Name);
        Assert.Equal([Ip(1), Ip(2)], rule.Addresses);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Twenty_five_hundred_blocks_fill_rules_of_at_most_a_thousand_addresses()
    {
        var plan = WindowsFirewallRulePlanner.Plan([], Ips(0, 2500), []);

        Assert.Equal(["InnerWarden.Mesh Block 0000", "InnerWarden.Mesh Block 0001", "InnerWarden.Mesh Block 0002"], plan.Set.Select(r => r.Name));
        Assert.Equal([1000, 1000, 500], plan.Set.Select(r => r.Addresses.Count));
        Assert.Equal(Ips(0, 2500), plan.Set.SelectMany(r => r.Addresses));
    }

    [Fact]
    public void New_blocks_fill_the_room_left_in_existing_rules_before_creating_one_and_full_rules_are_not_rewritten()
    {
        var current = new[] { new FirewallRule("InnerWarden.Mesh Block 0000", Ips(0, 1000)), new FirewallRule("InnerWarden.Mesh Block 0001", Ips(1000, 998)) };

        var plan = WindowsFirewallRulePlanner.Plan(current, Ips(5000, 5), []);

        Assert.Equal(["InnerWarden.Mesh Block 0001", "InnerWarden.Mesh Block 0002"], plan.Set.Select(r => r.Name));
        Assert.Equal([.. Ips(1000, 998), Ip(5000), Ip(5001)], plan.Set[0].Addresses);
        Assert.Equal(Ips(5002, 3), plan.Set[1].Addresses);
    }

    [Fact]
    public void Reapplying_held_addresses_changes_nothing()
    {
        var plan = WindowsFirewallRulePlanner.Plan([new FirewallRule("InnerWarden.Mesh Block 0000", [Ip(1), Ip(2)])], [Ip(2), Ip(1)], []);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Reverting_rewrites_only_the_rules_that_held_the_addresses_and_deletes_rules_left_empty()
    {
        var current = new[]
        {
            new FirewallRule("InnerWarden.Mesh Block 0000", [Ip(1), Ip(2)]),
            new FirewallRule("InnerWarden.Mesh Block 0001", [Ip(3)]),
            new FirewallRule("InnerWarden.Mesh Block 0002", [Ip(4)]),
        };

        var plan = WindowsFirewallRulePlanner.Plan(current, [], [Ip(2), Ip(3), Ip(99)]);

        var rule = Assert.Single(plan.Set);
        Assert.Equal(new FirewallRule("InnerWarden.Mesh Block 0000", [Ip(1)]).Name, rule.Name);
        Assert.Equal([Ip(1)], rule.Addresses);
        Assert.Equal(["InnerWarden.Mesh Block 0001"], plan.Delete);
    }

    [Fact]
    public void A_rule_of_ours_without_addresses_is_deleted_because_it_would_block_everyone()
    {
        var plan = WindowsFirewallRulePlanner.Plan([new FirewallRule("InnerWarden.Mesh Block 0000", [])], [], []);

        Assert.Equal(["InnerWarden.Mesh Block 0000"], plan.Delete);
        Assert.Empty(plan.Set);
    }

    [Fact]
    public void New_rules_take_the_lowest_free_number()
    {
        var current = new[] { new FirewallRule("InnerWarden.Mesh Block 0001", Ips(0, 1000)) };

        var plan = WindowsFirewallRulePlanner.Plan(current, [Ip(5000)], []);

        Assert.Equal("InnerWarden.Mesh Block 0000", Assert.Single(plan.Set).Name);
    }

    [Fact]
    public void The_plan_does_not_depend_on_the_order_the_firewall_lists_rules_in()
    {
        var a = new FirewallRule("InnerWarden.Mesh Block 0000", Ips(0, 990));
        var b = new FirewallRule("InnerWarden.Mesh Block 0001", Ips(990, 990));

        var one = WindowsFirewallRulePlanner.Plan([a, b], Ips(3000, 30), [Ip(5)]);
        var two = WindowsFirewallRulePlanner.Plan([b, a], Ips(3000, 30), [Ip(5)]);

        Assert.Equal(one.Set.Select(r => (r.Name, string.Join(',', r.Addresses))), two.Set.Select(r => (r.Name, string.Join(',', r.Addresses))));
        Assert.Equal(one.Delete, two.Delete);
    }

    [Fact]
    public void An_address_in_both_apply_and_revert_ends_up_reverted()
    {
        var plan = WindowsFirewallRulePlanner.Plan([], [Ip(1), Ip(2)], [Ip(2)]);

        Assert.Equal([Ip(1)], Assert.Single(plan.Set).Addresses);
    }

    [Theory]
    [InlineData("1.2.3.4/255.255.255.255,2a00:1450:4001::7/128,5.6.7.8", "1.2.3.4,2a00:1450:4001::7,5.6.7.8")]
    [InlineData("*", "")]
    [InlineData("10.0.0.0/255.0.0.0,1.2.3.4", "1.2.3.4")]
    [InlineData("", "")]
    public void Remote_addresses_read_back_with_masks_parse_to_single_addresses_only(string value, string expected)
    {
        Assert.Equal(expected, string.Join(',', RemoteAddressList.Parse(value)));
    }
}

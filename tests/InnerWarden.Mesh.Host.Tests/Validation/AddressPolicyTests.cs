using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Validation;

namespace InnerWarden.Mesh.Host.Tests.Validation;

public sealed class AddressPolicyTests
{
    private static AddressPolicy Policy(params string[] allowlist) => new(allowlist, static () => []);

    [Theory]
    [InlineData("198.51.99.0/24", "198.51.99.200")]
    [InlineData("185.220.1.7", "185.220.1.7")]
    [InlineData("185.220.0.0/16", "::ffff:185.220.9.9")]
    [InlineData("2a01:4f8::/32", "2a01:4f8:1:2::3")]
    [InlineData("2a01:4f8::1", "2a01:4f8::1")]
    [InlineData("::ffff:185.220.0.0/112", "185.220.3.4")]
    [InlineData(" 185.220.1.7 ", "185.220.1.7")]
    public void An_address_on_the_allowlist_is_allowlisted_naming_the_entry(string entry, string address)
    {
        var verdict = Policy(entry).Classify(IPAddress.Parse(address));

        Assert.Equal(RejectReason.Allowlisted, verdict.Reason);
        Assert.StartsWith("allowlist entry ", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_verdict_names_the_matching_cidr()
    {
        var verdict = Policy("185.220.0.0/16").Classify(IPAddress.Parse("185.220.1.7"));

        Assert.Equal("allowlist entry 185.220.0.0/16", verdict.Detail);
    }

    [Theory]
    [InlineData("185.220.0.0/16", "185.221.0.1")]
    [InlineData("2a01:4f8::/32", "2a01:4f9::1")]
    [InlineData("185.220.1.7", "185.220.1.8")]
    public void An_address_outside_the_allowlist_is_blockable(string entry, string address)
    {
        var verdict = Policy(entry).Classify(IPAddress.Parse(address));

        Assert.Equal(new AddressVerdict(RejectReason.None, null), verdict);
        Assert.True(verdict.IsBlockable);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("::ffff:192.168.0.1")]
    [InlineData("fd00::1")]
    public void A_private_address_is_private_ip_even_when_allowlisted(string address)
    {
        var verdict = Policy("10.0.0.0/8", "::ffff:192.168.0.0/112", "fd00::/8").Classify(IPAddress.Parse(address));

        Assert.Equal(RejectReason.PrivateIp, verdict.Reason);
    }

    [Theory]
    [InlineData("", "empty address")]
    [InlineData("not-an-ip", "not an IPv4 address")]
    [InlineData("10.0.0.0/33", "prefix length must be 0-32")]
    [InlineData("10.0.0.0/", "prefix length")]
    [InlineData("10.0.0.0/-1", "prefix length")]
    [InlineData("2a01::/129", "prefix length must be 0-128")]
    [InlineData("::ffff:10.0.0.0/95", "prefix length must be 96-128")]
    [InlineData("10.0.0.1/8", "did you mean 10.0.0.0/8?")]
    [InlineData("fe80::1%eth0", "not a plain IPv6 address")]
    public void A_bad_allowlist_entry_is_an_error_naming_it(string entry, string problem)
    {
        Assert.False(AddressPolicy.TryParseAllowlistEntry(entry, out _, out var error));
        Assert.Contains($"allowlist entry '{entry}'", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);

        var ex = Assert.Throws<ArgumentException>(() => Policy("185.220.0.0/16", entry));
        Assert.Contains($"'{entry}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void This_nodes_own_public_address_is_allowlisted()
    {
        var policy = new AddressPolicy([], () => [IPAddress.Parse("185.220.1.7"), IPAddress.Parse("2a01:4f8::7%2")]);

        Assert.Equal(new AddressVerdict(RejectReason.Allowlisted, "address of this node"), policy.Classify(IPAddress.Parse("::ffff:185.220.1.7")));
        Assert.Equal(RejectReason.Allowlisted, policy.Classify(IPAddress.Parse("2a01:4f8::7")).Reason);
        Assert.Equal(RejectReason.None, policy.Classify(IPAddress.Parse("185.220.1.8")).Reason);
    }

    [Fact]
    public void Refreshing_picks_up_a_new_own_address()
    {
        var addresses = new List<IPAddress> { IPAddress.Parse("185.220.1.7") };
        var policy = new AddressPolicy([], () => [.. addresses]);
        var added = IPAddress.Parse("185.220.1.9");
        addresses.Add(added);
        Assert.True(policy.Classify(added).IsBlockable);

        policy.RefreshLocalAddresses();

        Assert.Equal(RejectReason.Allowlisted, policy.Classify(added).Reason);
    }

    [Fact]
    public void The_default_own_addresses_come_from_the_network_interfaces()
    {
        var policy = new AddressPolicy([]);

        Assert.Contains(IPAddress.Loopback, policy.LocalAddresses);
    }

    [Fact]
    public void A_peers_address_is_allowlisted_naming_the_peer()
    {
        var policy = Policy();
        policy.SetNamedPeerAddresses([(IPAddress.Parse("185.220.1.7"), "https://x:8790")]);

        var verdict = policy.Classify(IPAddress.Parse("185.220.1.7"));

        Assert.Equal(new AddressVerdict(RejectReason.Allowlisted, "address of peer https://x:8790"), verdict);
    }

    [Fact]
    public void Setting_peer_addresses_replaces_the_previous_set()
    {
        var policy = Policy();
        policy.SetPeerAddresses([IPAddress.Parse("185.220.1.7")]);
        Assert.Equal(RejectReason.Allowlisted, policy.Classify(IPAddress.Parse("185.220.1.7")).Reason);

        policy.SetPeerAddresses([IPAddress.Parse("::ffff:185.220.1.8")]);

        Assert.Equal(RejectReason.None, policy.Classify(IPAddress.Parse("185.220.1.7")).Reason);
        Assert.Equal(RejectReason.Allowlisted, policy.Classify(IPAddress.Parse("185.220.1.8")).Reason);
    }
}

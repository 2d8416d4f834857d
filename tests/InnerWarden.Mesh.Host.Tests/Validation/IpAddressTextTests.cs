using System.Net;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Tests.Validation;

public sealed class IpAddressTextTests
{
    [Theory]
    [InlineData("185.220.1.7", "185.220.1.7")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("2a01:4f8::1", "2a01:4f8::1")]
    [InlineData("2A01:4F8::1", "2a01:4f8::1")]
    [InlineData("::ffff:185.220.1.7", "185.220.1.7")]
    [InlineData("64:ff9b::185.220.1.7", "64:ff9b::b9dc:107")]
    public void A_plain_address_parses_to_its_normal_form(string text, string expected)
    {
        Assert.True(IpAddressText.TryParse(text, out var ip, out var error), error);
        Assert.Equal(IPAddress.Parse(expected), ip);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("127.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("010.0.0.1")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.4 ")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1.2.3.4:80")]
    [InlineData("1.2.3.4/32")]
    [InlineData("1..3.4")]
    [InlineData("[2a01:4f8::1]")]
    [InlineData("[2a01:4f8::1]:80")]
    [InlineData("fe80::1%eth0")]
    [InlineData("2a01:4f8::1/64")]
    [InlineData("2a01:::1")]
    [InlineData("evil.example")]
    // An IPv4 tail of an IPv6 address follows the plain IPv4 rule: IPAddress.TryParse reads these as 8.8.8.10.
    [InlineData("::ffff:8.8.8.010")]
    [InlineData("2a00:1450::8.8.8.07")]
    [InlineData("64:ff9b::8.8.8.07")]
    [InlineData("::ffff:08.8.8.8")]
    [InlineData("::ffff:8.8.8")]
    [InlineData("12345678901234567890123456789012345678901234567890")]
    public void Anything_but_a_plain_address_is_refused_with_a_reason(string text)
    {
        Assert.False(IpAddressText.TryParse(text, out var ip, out var error));
        Assert.Null(ip);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Normalizing_drops_the_scope_id_and_unmaps_ipv4()
    {
        Assert.Equal(IPAddress.Parse("fe80::1"), IpAddressText.Normalize(IPAddress.Parse("fe80::1%2")));
        Assert.Equal(IPAddress.Parse("10.0.0.1"), IpAddressText.Normalize(IPAddress.Parse("::ffff:10.0.0.1")));
    }
}

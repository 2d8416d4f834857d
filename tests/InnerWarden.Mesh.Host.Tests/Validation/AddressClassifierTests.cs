using System.Net;
using InnerWarden.Mesh.Host.Validation;

namespace InnerWarden.Mesh.Host.Tests.Validation;

public sealed class AddressClassifierTests
{
    // Each refused range: an address inside it and the words its name must contain.
    [Theory]
    [InlineData("0.0.0.0", "this network")]
    [InlineData("0.255.255.255", "this network")]
    [InlineData("10.0.0.1", "RFC 1918 private 10.0.0.0/8")]
    [InlineData("10.255.255.255", "10.0.0.0/8")]
    [InlineData("100.64.0.1", "CGNAT")]
    [InlineData("100.127.255.254", "CGNAT")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.255", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("172.16.0.1", "172.16.0.0/12")]
    [InlineData("172.31.255.255", "172.16.0.0/12")]
    [InlineData("192.0.0.1", "IETF protocol assignments")]
    [InlineData("192.0.0.8", "IETF protocol assignments")]
    [InlineData("192.0.0.255", "IETF protocol assignments")]
    [InlineData("192.0.2.1", "documentation")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.50", "documentation")]
    [InlineData("192.88.99.1", "6to4 relay")]
    [InlineData("192.168.1.1", "192.168.0.0/16")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("198.19.255.255", "benchmarking")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.254", "reserved")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:10.1.2.3", "IPv4-mapped ::ffff:0:0/96 of RFC 1918 private 10.0.0.0/8")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:203.0.113.9", "documentation")]
    [InlineData("64:ff9b::10.0.0.1", "NAT64 64:ff9b::/96 of RFC 1918")]
    [InlineData("64:ff9b::c0a8:0101", "192.168.0.0/16")]
    [InlineData("64:ff9b:1::1", "local-use")]
    [InlineData("64:ff9b:1:ffff::1", "local-use")]
    [InlineData("100::1", "discard-only")]
    [InlineData("100::ffff:ffff:ffff:ffff", "discard-only")]
    [InlineData("2001::1", "IETF protocol assignments")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    [InlineData("2001:2::1", "IETF protocol assignments")]
    [InlineData("2001:1::3", "IETF protocol assignments")]
    [InlineData("2001:10::1", "IETF protocol assignments")]
    [InlineData("2001:1ff:ffff::1", "IETF protocol assignments")]
    [InlineData("2001:db8::1", "documentation 2001:db8::/32")]
    [InlineData("2001:db8:ffff::1", "documentation")]
    [InlineData("2002:c000:0204::1", "6to4")]
    [InlineData("3fff::1", "documentation 3fff::/20")]
    [InlineData("3fff:fff::1", "documentation 3fff::/20")]
    [InlineData("5f00::1", "segment routing")]
    [InlineData("fc00::1", "unique local")]
    [InlineData("fd12:3456::1", "unique local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf::1", "link-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("ff0e::1", "multicast")]
    [InlineData("::1.2.3.4", "outside global unicast")]
    [InlineData("4000::1", "outside global unicast")]
    [InlineData("fec0::1", "outside global unicast")]
    public void A_special_purpose_address_is_refused_with_its_range_named(string address, string rangeWords)
    {
        bool isPublic = AddressClassifier.IsPublicUnicast(IPAddress.Parse(address), out var range);

        Assert.False(isPublic);
        Assert.NotNull(range);
        Assert.Contains(rangeWords, range, StringComparison.Ordinal);
    }

    // Public neighbours just outside each refused range, and the globally reachable exceptions IANA lists.
    [Theory]
    [InlineData("1.0.0.0")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("191.255.255.255")]
    [InlineData("192.0.1.0")]
    [InlineData("192.0.0.9")]
    [InlineData("192.0.0.10")]
    [InlineData("192.0.3.0")]
    [InlineData("192.88.98.255")]
    [InlineData("192.88.100.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("198.51.99.255")]
    [InlineData("198.51.101.0")]
    [InlineData("203.0.112.255")]
    [InlineData("203.0.114.0")]
    [InlineData("223.255.255.255")]
    [InlineData("185.220.1.7")]
    [InlineData("8.8.8.8")]
    [InlineData("::ffff:185.220.1.7")]
    [InlineData("64:ff9b::185.220.1.7")]
    [InlineData("2001:1::1")]
    [InlineData("2001:1::2")]
    [InlineData("2001:3::1")]
    [InlineData("2001:4:112::1")]
    [InlineData("2001:20::1")]
    [InlineData("2001:2f:ffff::1")]
    [InlineData("2001:30::1")]
    [InlineData("2001:200::1")]
    [InlineData("2001:db7:ffff::1")]
    [InlineData("2001:db9::1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2003::1")]
    [InlineData("2a01:4f8::1")]
    [InlineData("3ffe:ffff::1")]
    [InlineData("3fff:1000::1")]
    [InlineData("2000::1")]
    [InlineData("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void A_public_address_next_to_a_refused_range_is_accepted(string address)
    {
        var ip = IPAddress.Parse(address);

        Assert.True(AddressClassifier.IsPublicUnicast(ip, out var range), $"{address} was refused as {range}");
    }

    [Fact]
    public void An_ordinary_public_address_has_no_range_name()
    {
        Assert.True(AddressClassifier.IsPublicUnicast(IPAddress.Parse("185.220.1.7"), out var v4));
        Assert.True(AddressClassifier.IsPublicUnicast(IPAddress.Parse("2a01:4f8::1"), out var v6));
        Assert.Null(v4);
        Assert.Null(v6);
    }

    [Fact]
    public void A_globally_reachable_exception_is_named()
    {
        Assert.True(AddressClassifier.IsPublicUnicast(IPAddress.Parse("2001:1::1"), out var range));
        Assert.Contains("port control protocol", range, StringComparison.Ordinal);
    }
}

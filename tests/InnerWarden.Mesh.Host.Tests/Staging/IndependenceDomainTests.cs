using InnerWarden.Mesh.Host.Staging;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Staging;

public sealed class IndependenceDomainTests
{
    private const string Key = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";

    [Theory]
    [InlineData("185.220.1.7:40000", "net:185.220.1.0/24")]
    [InlineData("185.220.1.250:1", "net:185.220.1.0/24")]
    [InlineData("[::ffff:185.220.1.7]:40000", "net:185.220.1.0/24")]
    [InlineData("[2a01:4f8:c17:1234::7]:8790", "net:2a01:4f8:c17::/48")]
    [InlineData("[2a01:4f8:c17:ffff:1::9]:8790", "net:2a01:4f8:c17::/48")]
    // Relayed (NATS): the remote end is the relay, not the signer.
    [InlineData("nats://127.0.0.1:4222 MESH#17", "key:" + Key)]
    [InlineData("unknown", "key:" + Key)]
    public void An_unvouched_signer_is_the_network_it_sent_from(string remote, string expected) =>
        Assert.Equal(expected, IndependenceDomain.Of(Key, vouched: false, remote));

    [Fact]
    public void A_vouched_signer_is_its_own_domain_wherever_it_sends_from() =>
        Assert.Equal("key:" + Key, IndependenceDomain.Of(Key, vouched: true, "185.220.1.7:40000"));

    [Fact]
    public async Task The_pipeline_hands_the_pool_each_signers_trust_and_domain()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        using var vouched = new TestPeer(2, time);
        using var stranger = new TestPeer(3, time);
        await using var node = await NodeHarness.StartAsync(new() { Time = time, Peers = [NodeHarness.ConfiguredPeer(vouched)] });

        await node.SubmitAsync(vouched.Signal("185.220.1.7", 0.55f));
        var fromVouched = node.Pool.LastRequest!;
        await node.SubmitAsync(stranger.Signal("185.220.1.7", 0.55f));
        var fromStranger = node.Pool.LastRequest!;

        Assert.Equal((NodeHarness.InitialTrust, "key:" + vouched.NodeId), (fromVouched.SignerTrust, fromVouched.Domain));
        // NodeHarness submits from 192.0.2.50.
        Assert.Equal((0.1, "net:192.0.2.0/24"), (fromStranger.SignerTrust, fromStranger.Domain));
    }
}

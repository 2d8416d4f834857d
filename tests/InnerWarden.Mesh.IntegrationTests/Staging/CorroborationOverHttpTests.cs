using System.Net;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Staging;

/// <summary>
/// Reports of one address from several signers, sent over real HTTP to a node with the real trust and threshold
/// staging plugins (issue 15 item 4): independent vouched peers add up, fresh identities never do.
/// </summary>
public sealed class CorroborationOverHttpTests : IAsyncLifetime, IDisposable
{
    private readonly NodeIdentity _first = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x51, NodeIdentity.SeedLength).ToArray());
    private readonly NodeIdentity _second = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x52, NodeIdentity.SeedLength).ToArray());
    private TestMesh? _mesh;

    private TestMesh Mesh => _mesh ?? throw new InvalidOperationException("not initialized");

    private TestMeshNode Node => Mesh["N"];

    public async Task InitializeAsync() =>
        _mesh = await TestMesh.StartAsync(new TestNodeSpec("N")
        {
            InitialTrust = 0.5,
            ExtraPeers = [new PeerInfo(new Uri("http://127.0.0.1:9"), _first.NodeId, "P1"), new PeerInfo(new Uri("http://127.0.0.1:10"), _second.NodeId, "P2")],
        });

    public async Task DisposeAsync()
    {
        if (_mesh is not null)
        {
            await _mesh.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    [Fact]
    public async Task Two_vouched_peers_at_0_5_reporting_an_attacker_with_0_9_get_it_blocked_short()
    {
        var one = await Mesh.PostAsync(Node, TestMesh.Sign(_first, "185.220.1.7", 0.9f));
        var two = await Mesh.PostAsync(Node, TestMesh.Sign(_second, "185.220.1.7", 0.9f));

        Assert.Equal((HttpStatusCode.OK, """{"accepted":true,"action":"watchlisted"}"""), one);
        Assert.Equal((HttpStatusCode.OK, """{"accepted":true,"action":"blocked_short_ttl"}"""), two);
        await Node.Node.FlushAsync();
        var applied = await Node.Composed.Parts.Enforcer.ListAsync(CancellationToken.None);
        Assert.Contains(applied, b => b.Ip.Equals(IPAddress.Parse("185.220.1.7")));
    }

    [Fact]
    public async Task A_thousand_fresh_identities_never_get_an_address_past_watchlisted()
    {
        await Mesh.PostAsync(Node, TestMesh.Sign(_first, "185.220.1.8", 0.9f)); // watchlisted by one vouched peer
        for (int i = 0; i < 1000; i++)
        {
            using var fresh = NodeIdentity.FromSeed(System.Security.Cryptography.RandomNumberGenerator.GetBytes(NodeIdentity.SeedLength));
            var (status, body) = await Mesh.PostAsync(Node, TestMesh.Sign(fresh, "185.220.1.8", 1.0f));
            Assert.Equal((HttpStatusCode.OK, """{"accepted":false,"action":"discarded"}"""), (status, body));
        }

        var entry = Assert.Single(Node.Node.Snapshot().Staged);
        Assert.Equal(SignalAction.Watchlisted, entry.Action);
        Assert.Empty(await Node.Composed.Parts.Enforcer.ListAsync(CancellationToken.None));
    }
}

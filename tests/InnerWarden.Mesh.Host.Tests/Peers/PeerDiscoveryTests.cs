using System.Net;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Peers;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace InnerWarden.Mesh.Host.Tests.Peers;

public sealed class PeerDiscoveryTests
{
    private const string KeyB = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
    private const string KeyOther = "0000000000000000000000000000000000000000000000000000000000000001";
    private static readonly Uri EndpointB = new("http://192.0.2.10:8790");
    private static readonly Uri EndpointC = new("https://[2001:db8::5]:8790");

    private readonly Mock<IMeshTransport> _transport = new(MockBehavior.Strict);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly CapturingLogger<PeerDiscovery> _logger = new();

    private IReadOnlyList<PeerLinkStatus> _links = [];

    private PeerDiscovery Create(params PeerInfo[] peers)
    {
        _transport.Setup(t => t.GetPeerLinks()).Returns(() => _links);
        return new(_transport.Object, new NodeSettings("127.0.0.1:0", ".", TimeSpan.FromSeconds(30), true, 50, 10_000, 0.5, peers, []), _time, _logger);
    }

    private void Answers(Uri endpoint, string? nodeId) =>
        _transport.Setup(t => t.PingAsync(endpoint, It.IsAny<CancellationToken>()))
            .ReturnsAsync(nodeId is null ? null : new PeerPingReply(nodeId, "0.2.0", 1, 0, true));

    [Fact]
    public async Task Peer_configured_without_a_key_is_resolved_by_ping_once()
    {
        Answers(EndpointB, KeyB);
        var discovery = Create(new PeerInfo(EndpointB, null, "b"));
        var resolved = new List<(PeerInfo Peer, string Key)>();
        discovery.Resolved += (peer, key) => resolved.Add((peer, key));

        var first = await discovery.RunOnceAsync(CancellationToken.None);
        await discovery.RunOnceAsync(CancellationToken.None);

        var peer = Assert.Single(first);
        Assert.Equal(DiscoveryStatus.Resolved, peer.Status);
        Assert.Equal(KeyB, peer.NodeId);
        Assert.Equal(_time.GetUtcNow(), peer.LastContact);
        Assert.Equal(new PeerInfo(EndpointB, KeyB, "b"), Assert.Single(resolved).Peer);
        Assert.Equal(KeyB, resolved[0].Key);
        _transport.Verify(t => t.PingAsync(EndpointB, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Peer_configured_with_its_key_is_verified_and_resolved()
    {
        Answers(EndpointB, KeyB);
        var discovery = Create(new PeerInfo(EndpointB, KeyB, null));
        string? vouched = null;
        discovery.Resolved += (_, key) => vouched = key;

        var peer = Assert.Single(await discovery.RunOnceAsync(CancellationToken.None));

        Assert.Equal(DiscoveryStatus.Resolved, peer.Status);
        Assert.Equal(KeyB, vouched);
    }

    [Fact]
    public async Task Reply_with_a_node_id_other_than_the_configured_key_is_refused_loudly()
    {
        Answers(EndpointB, KeyOther);
        var discovery = Create(new PeerInfo(EndpointB, KeyB, null));
        bool resolved = false;
        discovery.Resolved += (_, _) => resolved = true;

        var peer = Assert.Single(await discovery.RunOnceAsync(CancellationToken.None));

        Assert.Equal(DiscoveryStatus.Refused, peer.Status);
        Assert.Equal(KeyOther, peer.NodeId);
        Assert.Equal(KeyB, peer.Peer.PublicKey);
        Assert.False(resolved);
        var entry = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal(3801, entry.EventId.Id);
        Assert.Contains(KeyOther, entry.Message, StringComparison.Ordinal);
        Assert.Contains("impersonation", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reply_with_a_malformed_node_id_resolves_nothing()
    {
        Answers(EndpointB, "not-a-key");
        var discovery = Create(new PeerInfo(EndpointB, null, null));
        bool resolved = false;
        discovery.Resolved += (_, _) => resolved = true;

        var peer = Assert.Single(await discovery.RunOnceAsync(CancellationToken.None));

        Assert.Equal(DiscoveryStatus.Unreachable, peer.Status);
        Assert.Null(peer.Peer.PublicKey);
        Assert.False(resolved);
    }

    [Fact]
    public async Task Unreachable_peer_is_retried_every_poll_interval_until_resolved()
    {
        int pings = 0;
        using var pinged = new SemaphoreSlim(0);
        _transport.Setup(t => t.PingAsync(EndpointB, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() =>
            {
                pinged.Release();
                return ++pings < 3 ? null : new PeerPingReply(KeyB, "0.1.0", 1, 0, false);
            });
        Answers(EndpointC, KeyOther);
        var discovery = Create(new PeerInfo(EndpointB, null, null), new PeerInfo(EndpointC, null, null));
        var resolvedB = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        discovery.Resolved += (peer, key) =>
        {
            if (peer.Endpoint == EndpointB)
            {
                resolvedB.TrySetResult(key);
            }
        };

        var run = discovery.RunAsync(CancellationToken.None);
        Assert.True(await pinged.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(DiscoveryStatus.Unreachable, discovery.Peers[0].Status);
        Assert.Equal(DiscoveryStatus.Resolved, discovery.Peers[1].Status);
        Assert.Null(discovery.Peers[0].LastContact);

        // Each round waits for its ping, so two ticks never fold into one.
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await pinged.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(resolvedB.Task.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(30));
        var key = await resolvedB.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(KeyB, key);
        Assert.Equal(3, pings);
        Assert.True(discovery.AllResolved);
        _transport.Verify(t => t.PingAsync(EndpointC, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task An_unanswered_ping_is_logged_with_the_links_cause_once_per_cause()
    {
        Answers(EndpointB, null);
        var peer = new PeerInfo(EndpointB, null, "b");
        var discovery = Create(peer);
        _links = [new PeerLinkStatus(peer, false, null, "closed", 0, "json") { Problem = "connection refused" }];

        await discovery.RunOnceAsync(CancellationToken.None);
        await discovery.RunOnceAsync(CancellationToken.None);
        _links = [new PeerLinkStatus(peer, false, null, "closed", 0, "json") { Problem = "timeout after 3000 ms" }];
        await discovery.RunOnceAsync(CancellationToken.None);

        var lines = _logger.Entries.Where(e => e.EventId.Id == 3802).Select(e => e.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("(connection refused)", lines[0], StringComparison.Ordinal);
        Assert.Contains("(timeout after 3000 ms)", lines[1], StringComparison.Ordinal);
        // The journal line of an outage is the link's; discovery's is for debugging.
        Assert.All(_logger.Entries.Where(e => e.EventId.Id == 3802), e => Assert.Equal(LogLevel.Debug, e.Level));
    }

    [Fact]
    public async Task Peer_addresses_include_every_endpoint_host_so_they_are_never_blocked()
    {
        Answers(EndpointB, null);
        Answers(EndpointC, null);
        var localhost = new Uri("http://localhost:8790");
        Answers(localhost, null);
        var discovery = Create(new PeerInfo(EndpointB, null, null), new PeerInfo(EndpointC, null, null), new PeerInfo(localhost, null, null));

        await discovery.RunOnceAsync(CancellationToken.None);

        Assert.Contains(IPAddress.Parse("192.0.2.10"), discovery.PeerAddresses);
        Assert.Contains(IPAddress.Parse("2001:db8::5"), discovery.PeerAddresses);
        Assert.Contains(discovery.PeerAddresses, IPAddress.IsLoopback);
    }
}

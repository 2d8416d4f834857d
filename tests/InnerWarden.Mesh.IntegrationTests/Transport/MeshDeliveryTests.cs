using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Transport.Common.Wire;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>Full nodes on real loopback sockets: what one node detects reaches its peers and is staged by their trust.</summary>
public sealed class MeshDeliveryTests
{
    private static Detection Attack(string ip, float confidence = 0.92f) =>
        new(IPAddress.Parse(ip), "ssh_bruteforce", confidence, "12 failed logins for root from " + ip, DateTimeOffset.UtcNow);

    private static StagedEntry? EntryFor(TestMeshNode node, string ip) =>
        node.Node.Snapshot().Staged.SingleOrDefault(e => e.Ip.ToString() == ip);

    [Fact]
    public async Task Detection_on_A_is_blocked_in_full_on_a_peer_that_trusts_A_fully()
    {
        await using var mesh = await TestMesh.StartAsync(new TestNodeSpec("A"), new TestNodeSpec("B") { InitialTrust = 1.0 });
        var (a, b) = (mesh["A"], mesh["B"]);

        await a.Node.HandleLocalDetectionAsync(Attack("185.220.1.7"), CancellationToken.None);
        await TestMesh.WaitUntilAsync(() => EntryFor(b, "185.220.1.7") is not null, "B to stage A's signal");

        // 1.0 x 0.92 = 0.92 >= 0.8: a full block, 24 h, credited to A.
        var entry = EntryFor(b, "185.220.1.7")!;
        Assert.Equal(SignalAction.BlockedFull, entry.Action);
        Assert.Equal(0.92, entry.Score, 3);
        Assert.Equal(TimeSpan.FromHours(24), entry.ExpiresAt - entry.StagedAt);
        Assert.Equal([a.NodeId], entry.Contributors);
        Assert.False(entry.Local);
        await b.Node.FlushAsync();
        var applied = await b.Composed.Parts.Enforcer.ListAsync(CancellationToken.None);
        Assert.Contains(applied, block => block.Ip.ToString() == "185.220.1.7");
        Assert.Equal(1, b.Node.Snapshot().Accepted);
        Assert.Equal(1, a.Node.Snapshot().Sent);
    }

    [Fact]
    public async Task Detection_on_A_reaches_B_and_C_and_each_stages_it_by_its_own_trust_in_A()
    {
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A"), new TestNodeSpec("B") { InitialTrust = 0.85 }, new TestNodeSpec("C") { InitialTrust = 0.3 });
        var (a, b, c) = (mesh["A"], mesh["B"], mesh["C"]);

        await a.Node.HandleLocalDetectionAsync(Attack("185.220.1.7"), CancellationToken.None);
        await TestMesh.WaitUntilAsync(() => EntryFor(b, "185.220.1.7") is not null, "B to stage A's signal");
        await TestMesh.WaitUntilAsync(() => c.Node.Snapshot().Accepted == 1, "C to judge A's signal");

        // B: 0.85 x 0.92 = 0.782 -> short block (1 h), in B's firewall.
        var onB = EntryFor(b, "185.220.1.7")!;
        Assert.Equal(SignalAction.BlockedShortTtl, onB.Action);
        Assert.Equal(0.782, onB.Score, 3);
        Assert.Equal(TimeSpan.FromHours(1), onB.ExpiresAt - onB.StagedAt);
        await b.Node.FlushAsync();
        Assert.Contains(await b.Composed.Parts.Enforcer.ListAsync(CancellationToken.None), block => block.Ip.ToString() == "185.220.1.7");

        // C: 0.3 x 0.92 = 0.276 < 0.3 -> discarded: nothing staged or blocked, but remembered so a later local
        // sighting still credits A.
        var onC = c.Node.Snapshot();
        Assert.Empty(onC.Staged);
        Assert.Equal(1, onC.RememberedCount);
        Assert.Equal(1, onC.Received);
        await c.Node.FlushAsync();
        Assert.Empty(await c.Composed.Parts.Enforcer.ListAsync(CancellationToken.None));
        var audit = Assert.Single(await c.AuditLinesAsync(), line => line.GetProperty("direction").GetString() == "received");
        Assert.Equal("discarded", audit.GetProperty("action").GetString());
        Assert.Equal(a.NodeId, audit.GetProperty("node_id").GetString());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    public async Task Peer_that_was_down_receives_every_signal_it_missed_exactly_once_when_it_comes_back(int missed)
    {
        // A's clock is fake so its retry backoff (1 s doubling) and breaker can be driven without waiting.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A") { Time = time }, new TestNodeSpec("B") { InitialTrust = 0.85, MaxSignalsPerHour = 1000 });
        var (a, b) = (mesh["A"], mesh["B"]);
        var attackers = Enumerable.Range(0, missed).Select(i => $"185.220.{3 + i / 200}.{i % 200 + 1}").ToList();

        await b.StopAsync();
        foreach (var ip in attackers)
        {
            await a.Node.HandleLocalDetectionAsync(Attack(ip), CancellationToken.None);
        }
        // A broadcast only hands each signal to the peer's send queue; its refused connections fill the outbox.
        await a.Node.FlushAsync();
        await TestMesh.WaitUntilAsync(() => Assert.Single(a.Transport.GetPeerLinks()).PendingDeliveries == missed, "A to queue every signal for the down peer");

        await b.StartAsync();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15);
        while (!(b.Node.Snapshot().Staged.Count == missed && a.Transport.GetPeerLinks()[0].PendingDeliveries == 0))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "A's outbox was not delivered to B within 15 s of B's return");
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }

        var snapshot = b.Node.Snapshot();
        foreach (var ip in attackers)
        {
            var entry = Assert.Single(snapshot.Staged, e => e.Ip.ToString() == ip);
            Assert.Equal(SignalAction.BlockedShortTtl, entry.Action);
            Assert.Equal([a.NodeId], entry.Contributors);
        }
        Assert.Equal(missed, snapshot.Received);
        Assert.Equal(0, snapshot.Duplicates);
        var received = (await b.AuditLinesAsync()).Where(line => line.GetProperty("direction").GetString() == "received").ToList();
        Assert.Equal(attackers.Order(StringComparer.Ordinal), received.Select(line => line.GetProperty("ip").GetString()).Order(StringComparer.Ordinal));
        // B's ping on return told A it reads MessagePack, so the outbox went over the batch endpoint.
        Assert.Equal("msgpack", a.Transport.GetPeerLinks()[0].Encoding);
    }

    [Fact]
    public async Task MessagePack_batch_of_100_signals_from_a_peer_is_answered_per_signal_and_staged_in_full()
    {
        await using var mesh = await TestMesh.StartAsync(
            new TestNodeSpec("A"), new TestNodeSpec("B") { InitialTrust = 0.85, MaxSignalsPerHour = 1000 });
        var (a, b) = (mesh["A"], mesh["B"]);
        var signals = Enumerable.Range(1, 100)
            .Select(i => TestMesh.Sign(a.Composed.Parts.Identity, $"185.221.{i / 50}.{i % 50 + 1}"))
            .ToList();

        using var content = new ByteArrayContent(MessagePackSignal.BatchToBytes(signals));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-msgpack");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(b.Endpoint, "/mesh/signals")) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await mesh.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var replies = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(100, replies.RootElement.GetArrayLength());
        Assert.All(replies.RootElement.EnumerateArray(), reply =>
        {
            Assert.True(reply.GetProperty("accepted").GetBoolean());
            Assert.Equal("blocked_short_ttl", reply.GetProperty("action").GetString());
        });
        var snapshot = b.Node.Snapshot();
        Assert.Equal(100, snapshot.Staged.Count);
        Assert.Equal(signals.Select(s => s.Ip).Order(StringComparer.Ordinal), snapshot.Staged.Select(e => e.Ip.ToString()).Order(StringComparer.Ordinal));
        await b.Node.FlushAsync();
        Assert.Equal(100, (await b.Composed.Parts.Enforcer.ListAsync(CancellationToken.None)).Count);
    }
}

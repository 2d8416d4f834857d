using System.Net;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>
/// A running full node answered over real HTTP, as a peer would talk to it: what is invalid is refused with the
/// docs/protocol.md status and reason and changes nothing; a replay is a harmless duplicate.
/// </summary>
public sealed class InboundSignalTests : IAsyncLifetime, IDisposable
{
    // A peer the node vouches for (trust 0.85): its valid signals are short blocks, so a change would show.
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x42, NodeIdentity.SeedLength).ToArray());
    private TestMesh? _mesh;

    private TestMesh Mesh => _mesh ?? throw new InvalidOperationException("not initialized");

    private TestMeshNode Node => Mesh["N"];

    public async Task InitializeAsync() =>
        _mesh = await TestMesh.StartAsync(new TestNodeSpec("N")
        {
            InitialTrust = 0.85,
            // Never contacted: the node only sends when it detects something itself.
            ExtraPeers = [new PeerInfo(new Uri("http://127.0.0.1:9"), _peer.NodeId, "P")],
        });

    public async Task DisposeAsync()
    {
        if (_mesh is not null)
        {
            await _mesh.DisposeAsync();
        }
    }

    public void Dispose() => _peer.Dispose();

    [Fact]
    public async Task Tampered_signal_is_refused_as_InvalidSignature_and_changes_nothing()
    {
        var before = await StateAsync();
        var tampered = TestMesh.Sign(_peer, "185.220.1.7") with { Ip = "185.220.1.8" };

        var (status, body) = await Mesh.PostAsync(Node, tampered);

        AssertRejected(status, body, HttpStatusCode.BadRequest, "rejected", "InvalidSignature");
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task Replay_of_accepted_signal_is_a_duplicate_and_changes_nothing()
    {
        var json = ThreatSignalJson.ToJson(TestMesh.Sign(_peer, "185.220.1.7"));
        var first = await Mesh.PostJsonAsync(Node, json);
        Assert.Equal((HttpStatusCode.OK, """{"accepted":true,"action":"blocked_short_ttl"}"""), first);
        var before = await StateAsync();
        int auditLines = (await Node.AuditLinesAsync()).Count;

        var replay = await Mesh.PostJsonAsync(Node, json);

        Assert.Equal((HttpStatusCode.OK, """{"accepted":false,"action":"duplicate"}"""), replay);
        Assert.Equal(before, await StateAsync());
        Assert.Equal(auditLines, (await Node.AuditLinesAsync()).Count);
        Assert.Equal(1, Node.Node.Snapshot().Duplicates);
    }

    [Fact]
    public async Task Signal_about_a_private_address_is_refused_as_PrivateIp()
    {
        var before = await StateAsync();

        var (status, body) = await Mesh.PostAsync(Node, TestMesh.Sign(_peer, "10.1.2.3"));

        AssertRejected(status, body, HttpStatusCode.BadRequest, "rejected", "PrivateIp");
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task Signal_two_hours_old_is_refused_as_TimestampTooOld()
    {
        var before = await StateAsync();

        var (status, body) = await Mesh.PostAsync(Node, TestMesh.Sign(_peer, "185.220.1.7", at: DateTimeOffset.UtcNow.AddHours(-2)));

        AssertRejected(status, body, HttpStatusCode.BadRequest, "rejected", "TimestampTooOld");
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task Signal_from_ten_minutes_ahead_is_refused_as_TimestampTooFarFuture()
    {
        var before = await StateAsync();

        var (status, body) = await Mesh.PostAsync(Node, TestMesh.Sign(_peer, "185.220.1.7", at: DateTimeOffset.UtcNow.AddMinutes(10)));

        AssertRejected(status, body, HttpStatusCode.BadRequest, "rejected", "TimestampTooFarFuture");
        Assert.Equal(before, await StateAsync());
    }

    [Theory]
    [InlineData("""{"node_id": "abc", "ip": """)]
    [InlineData("""{"node_id": "abc", "ip": "185.220.1.7"}""")]
    [InlineData("not json at all")]
    [InlineData("""[1, 2, 3]""")]
    public async Task Malformed_JSON_is_refused_with_400_and_changes_nothing(string json)
    {
        var before = await StateAsync();
        int auditLines = (await Node.AuditLinesAsync()).Count;

        var (status, body) = await Mesh.PostJsonAsync(Node, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var reply = JsonDocument.Parse(body);
        Assert.False(reply.RootElement.GetProperty("accepted").GetBoolean());
        Assert.Equal("rejected", reply.RootElement.GetProperty("action").GetString());
        Assert.False(string.IsNullOrWhiteSpace(reply.RootElement.GetProperty("error").GetString()));
        Assert.Equal(before, await StateAsync());
        Assert.Equal(auditLines, (await Node.AuditLinesAsync()).Count);
        Assert.Equal(0, Node.Node.Snapshot().Received);
    }

    private static void AssertRejected(HttpStatusCode status, string body, HttpStatusCode expectedStatus, string action, string error)
    {
        Assert.Equal(expectedStatus, status);
        Assert.Equal($$"""{"accepted":false,"action":"{{action}}","error":"{{error}}"}""", body);
    }

    private Task<string> StateAsync() => Node.StateTextAsync();
}

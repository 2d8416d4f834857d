using System.Globalization;
using System.Net;
using System.Text;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>A running node spoken to exactly as an original innerwarden-mesh 0.1 (Rust) node speaks: docs/protocol.md's JSON.</summary>
public sealed class OriginalNodeJsonTests
{
    // docs/protocol.md, test vector 1 (signer seed 01..20).
    private const string SeedHex = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    private const string RustNodeId = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
    private const string EvidenceHash = "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c";
    private const string Vector1Json = """{"node_id": "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664", "ip": "185.220.1.7", "detector": "ssh_bruteforce", "confidence": 0.92, "evidence_hash": "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c", "ttl_secs": 3600, "timestamp": "2026-03-27T12:34:56.123456789Z", "signature": "lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDA=="}""";

    /// <summary>The original's signed form, by hand: <c>node_id|ip|detector|confidence|evidence_hash|ttl_secs|timestamp</c>.</summary>
    private static string Canonical(string secondsText, string fraction) =>
        $"{RustNodeId}|185.220.1.7|ssh_bruteforce|0.9200|{EvidenceHash}|3600|{secondsText}.{fraction}+00:00";

    /// <summary>The body serde_json writes for the original's signal (note the spaces), by hand.</summary>
    private static string OriginalJson(string secondsText, string fraction, string signature) =>
        $$"""{"node_id": "{{RustNodeId}}", "ip": "185.220.1.7", "detector": "ssh_bruteforce", "confidence": 0.92, "evidence_hash": "{{EvidenceHash}}", "ttl_secs": 3600, "timestamp": "{{secondsText}}.{{fraction}}Z", "signature": "{{signature}}"}""";

    [Fact]
    public async Task Node_accepts_a_fresh_signal_in_the_original_Rust_JSON_form_and_answers_in_its_form()
    {
        using var rust = NodeIdentity.FromSeed(Convert.FromHexString(SeedHex));
        Assert.Equal(RustNodeId, rust.NodeId);
        // The hand-built body and signed bytes are the original's: with vector 1's timestamp they reproduce it exactly.
        var vectorSignature = rust.Sign(Encoding.UTF8.GetBytes(Canonical("2026-03-27T12:34:56", "123456789")));
        Assert.Equal(Vector1Json, OriginalJson("2026-03-27T12:34:56", "123456789", vectorSignature));

        await using var mesh = await TestMesh.StartAsync(new TestNodeSpec("N")
        {
            InitialTrust = 0.9,
            ExtraPeers = [new PeerInfo(new Uri("http://127.0.0.1:9"), RustNodeId, "rust")],
        });
        var node = mesh["N"];
        // Fresh (so not stale), with all nine digits of nanoseconds, which a .NET DateTime could not hold.
        var seconds = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        var json = OriginalJson(seconds, "123456789", rust.Sign(Encoding.UTF8.GetBytes(Canonical(seconds, "123456789"))));

        var (status, body) = await mesh.PostJsonAsync(node, json);

        // 0.9 x 0.92 = 0.828 >= 0.8: a full block, answered exactly as the original answers.
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"accepted":true,"action":"blocked_full"}""", body);
        var entry = Assert.Single(node.Node.Snapshot().Staged);
        Assert.Equal("185.220.1.7", entry.Ip.ToString());
        Assert.Equal(SignalAction.BlockedFull, entry.Action);
        Assert.Equal([RustNodeId], entry.Contributors);
        var audit = Assert.Single(await node.AuditLinesAsync(), line => line.GetProperty("direction").GetString() == "received");
        Assert.Equal(seconds + ".123456789Z", audit.GetProperty("timestamp").GetString());
    }
}

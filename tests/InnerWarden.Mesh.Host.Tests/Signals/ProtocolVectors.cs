using System.Globalization;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Tests.Signals;

/// <summary>docs/protocol.md's test vectors, in one place for every test that needs them.</summary>
internal static class ProtocolVectors
{
    public const string SeedHex = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    public const string NodeId = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";

    public static byte[] Seed => Convert.FromHexString(SeedHex);

    public static readonly Vector One = new(
        "185.220.1.7", "ssh_bruteforce", 0.92f, "incident evidence json",
        "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c", 3600,
        "2026-03-27T12:34:56.123456789Z",
        NodeId + "|185.220.1.7|ssh_bruteforce|0.9200|527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c|3600|2026-03-27T12:34:56.123456789+00:00",
        "lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDA==",
        "0.92");

    public static readonly Vector Two = new(
        "203.0.113.50", "port_scan", 0.03125f, "evidence",
        "ee8250fb76e094b34b471f13a73dbbe51d1ae142e9df59d7c0d31ec20f0a0a8e", 7200,
        "2026-03-27T12:34:56.500Z",
        NodeId + "|203.0.113.50|port_scan|0.0312|ee8250fb76e094b34b471f13a73dbbe51d1ae142e9df59d7c0d31ec20f0a0a8e|7200|2026-03-27T12:34:56.500+00:00",
        "XGmlbP81b7SMkeWKH1xPPO/YOwwWVbJuGsGOB2Uh53dOL+03F21FCDJ6DSW163XExZF7/B6KGiH0G5GrbVhfAA==",
        "0.03125");

    public static readonly Vector Three = new(
        "2001:db8::1", "c2_callback", 0.85f, "",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 86400,
        "2026-03-27T12:34:56Z",
        NodeId + "|2001:db8::1|c2_callback|0.8500|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855|86400|2026-03-27T12:34:56+00:00",
        "RQ3vFleW40e8muy7s8/d/a+K9XHE2ymLwO/JyTAFndlezouM/QNifwpZ+qlJKBL4FvCTGCMHFAMODFza3ELeCg==",
        "0.85");

    /// <summary>Vector 1's JSON exactly as docs/protocol.md gives it.</summary>
    public const string OneJson = """{"node_id": "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664", "ip": "185.220.1.7", "detector": "ssh_bruteforce", "confidence": 0.92, "evidence_hash": "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c", "ttl_secs": 3600, "timestamp": "2026-03-27T12:34:56.123456789Z", "signature": "lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDA=="}""";

    /// <summary>The instant the vectors were signed at (whole second), for a FakeTimeProvider.</summary>
    public static readonly DateTimeOffset SignedAt = DateTimeOffset.Parse("2026-03-27T12:34:56Z", CultureInfo.InvariantCulture);

    public static TheoryData<string> Names => new() { "1", "2", "3" };

    public static Vector ByName(string name) => name switch
    {
        "1" => One,
        "2" => Two,
        "3" => Three,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    internal sealed record Vector(
        string Ip, string Detector, float Confidence, string Evidence, string EvidenceHash, ulong TtlSecs,
        string JsonTimestamp, string Canonical, string Signature, string JsonConfidence)
    {
        public SignalTimestamp Timestamp
        {
            get
            {
                Assert.True(SignalTimestamp.TryParse(JsonTimestamp, out var ts, out var error), error);
                return ts;
            }
        }

        /// <summary>The original's JSON form, built from the fields as docs/protocol.md writes vector 1.</summary>
        public string Json =>
            $$"""{"node_id": "{{NodeId}}", "ip": "{{Ip}}", "detector": "{{Detector}}", "confidence": {{JsonConfidence}}, "evidence_hash": "{{EvidenceHash}}", "ttl_secs": {{TtlSecs}}, "timestamp": "{{JsonTimestamp}}", "signature": "{{Signature}}"}""";

        public ThreatSignal Signal => new(NodeId, Ip, Detector, Confidence, EvidenceHash, TtlSecs, Timestamp, Signature);
    }
}

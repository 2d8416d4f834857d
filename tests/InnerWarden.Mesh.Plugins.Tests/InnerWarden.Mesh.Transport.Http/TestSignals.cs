using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>Signals for transport tests; the transport never validates, so only their shape matters.</summary>
internal static class TestSignals
{
    public const string NodeId = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";

    /// <summary>docs/protocol.md vector 1, byte for byte as an original Rust node sends it.</summary>
    public const string Vector1Json = """{"node_id": "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664", "ip": "185.220.1.7", "detector": "ssh_bruteforce", "confidence": 0.92, "evidence_hash": "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c", "ttl_secs": 3600, "timestamp": "2026-03-27T12:34:56.123456789Z", "signature": "lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDA=="}""";

    public const string Vector1Canonical = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664|185.220.1.7|ssh_bruteforce|0.9200|527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c|3600|2026-03-27T12:34:56.123456789+00:00";

    public static ThreatSignal Vector1 => ThreatSignalJson.Parse(Vector1Json).Signal
        ?? throw new InvalidOperationException("vector 1 does not parse");

    /// <summary>A signal made at <paramref name="at"/> (nanoseconds kept) about <paramref name="ip"/>.</summary>
    public static ThreatSignal Make(string ip, DateTimeOffset at, ulong ttlSecs = 3600) =>
        new(NodeId, ip, "ssh_bruteforce", 0.92f, "527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c",
            ttlSecs, new SignalTimestamp(at.ToUnixTimeSeconds(), 123_456_789),
            "lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDA==");
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Transport.Common.Wire;
using InnerWarden.Mesh.Transport.Http.Wire;
using MessagePack;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

public sealed class MeshHttpServerTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    // Plain HTTP to a default (TLS) node: the port serves both, and these tests look at what is inside the requests.
    private Uri Url(string path) => new(_node.PlainAddress, path);

    private async Task<(HttpStatusCode Status, string Body, string? ContentType)> PostAsync(
        string path, byte[] body, string? contentType, string? accept = null)
    {
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(path)) { Content = content };
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }
        using var response = await Http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var text = mediaType == MediaTypes.MessagePack ? MessagePackSerializer.ConvertToJson(bytes) : Encoding.UTF8.GetString(bytes);
        return (response.StatusCode, text, mediaType);
    }

    [Fact]
    public async Task Json_body_of_an_original_node_reaches_the_sink_with_every_field_and_nanosecond()
    {
        var (status, body, _) = await PostAsync("/mesh/signal", Encoding.UTF8.GetBytes(TestSignals.Vector1Json), "application/json");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"accepted":true,"action":"watchlisted"}""", body);
        var (signal, origin) = Assert.Single(_node.Sink.Received);
        Assert.Equal(TestSignals.NodeId, signal.NodeId);
        Assert.Equal("185.220.1.7", signal.Ip);
        Assert.Equal("ssh_bruteforce", signal.Detector);
        Assert.Equal(0.92f, signal.Confidence);
        Assert.Equal("527e38bae655731d5d39b083834e34eb81ef7ff7e51a869be19be87ae89b974c", signal.EvidenceHash);
        Assert.Equal(3600UL, signal.TtlSecs);
        Assert.Equal(new SignalTimestamp(DateTimeOffset.Parse("2026-03-27T12:34:56Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds(), 123_456_789), signal.Timestamp);
        Assert.Equal("lgS3NpYU/srYwdHsqGYFmv5rsaQcY/7I+e+di9BtzJ0QX7yV9Xbb+gvuR4SyxDBTgzHmUwDGU7SWxYt/xMEfDA==", signal.Signature);
        Assert.Equal(TestSignals.Vector1Canonical, signal.CanonicalText());
        Assert.Equal("json", origin.Encoding);
        Assert.StartsWith("127.0.0.1:", origin.RemoteAddress, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessagePack_signal_round_trips_exactly_and_is_answered_in_MessagePack()
    {
        var sent = TestSignals.Vector1;

        var (status, body, contentType) = await PostAsync("/mesh/signal", MessagePackSignal.ToBytes(sent), MediaTypes.MessagePack);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(MediaTypes.MessagePack, contentType);
        Assert.Equal("""{"accepted":true,"action":"watchlisted"}""", body);
        var (signal, origin) = Assert.Single(_node.Sink.Received);
        Assert.Equal(sent, signal);
        Assert.Equal(TestSignals.Vector1Canonical, signal.CanonicalText());
        Assert.Equal("msgpack", origin.Encoding);
    }

    [Fact]
    public async Task Json_request_asking_for_MessagePack_gets_a_MessagePack_reply()
    {
        var (_, body, contentType) = await PostAsync("/mesh/signal", Encoding.UTF8.GetBytes(TestSignals.Vector1Json),
            "application/json", accept: MediaTypes.MessagePack);

        Assert.Equal(MediaTypes.MessagePack, contentType);
        Assert.Equal("""{"accepted":true,"action":"watchlisted"}""", body);
    }

    [Fact]
    public async Task MessagePack_batch_reaches_the_sink_in_order_with_one_result_per_signal()
    {
        var now = DateTimeOffset.UtcNow;
        var signals = Enumerable.Range(1, 5).Select(i => TestSignals.Make($"185.220.1.{i}", now)).ToArray();
        _node.Sink.Judge = signal => ValueTask.FromResult(signal.Ip.EndsWith(".3", StringComparison.Ordinal)
            ? new SignalVerdict(SignalAction.Rejected, RejectReason.InvalidSignature, "InvalidSignature")
            : new SignalVerdict(SignalAction.BlockedFull, RejectReason.None, null));

        var (status, body, contentType) = await PostAsync("/mesh/signals", MessagePackSignal.BatchToBytes(signals), MediaTypes.MessagePack);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(MediaTypes.MessagePack, contentType);
        Assert.Equal(signals, _node.Sink.Signals);
        Assert.Equal(
            """[{"accepted":true,"action":"blocked_full"},{"accepted":true,"action":"blocked_full"},{"accepted":false,"action":"rejected","error":"InvalidSignature"},{"accepted":true,"action":"blocked_full"},{"accepted":true,"action":"blocked_full"}]""",
            body);
    }

    [Fact]
    public async Task Batch_item_that_cannot_be_read_is_rejected_alone()
    {
        var good = TestSignals.Make("185.220.1.9", DateTimeOffset.UtcNow);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.WriteMapHeader(1);
        writer.Write("ip");
        writer.Write(42);
        MessagePackSignal.Write(ref writer, good);
        writer.Flush();

        var (status, body, _) = await PostAsync("/mesh/signals", buffer.WrittenSpan.ToArray(), MediaTypes.MessagePack);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(good, Assert.Single(_node.Sink.Signals));
        Assert.Contains("\"error\":\"signal 0: invalid type for `ip`: expected a string, found an integer\"", body, StringComparison.Ordinal);
        Assert.EndsWith("""{"accepted":true,"action":"watchlisted"}]""", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SignalAction.Watchlisted, RejectReason.None, null, 200, """{"accepted":true,"action":"watchlisted"}""")]
    [InlineData(SignalAction.BlockedShortTtl, RejectReason.None, null, 200, """{"accepted":true,"action":"blocked_short_ttl"}""")]
    [InlineData(SignalAction.BlockedFull, RejectReason.None, null, 200, """{"accepted":true,"action":"blocked_full"}""")]
    [InlineData(SignalAction.Discarded, RejectReason.None, null, 200, """{"accepted":false,"action":"discarded"}""")]
    [InlineData(SignalAction.Duplicate, RejectReason.None, null, 200, """{"accepted":false,"action":"duplicate"}""")]
    [InlineData(SignalAction.Rejected, RejectReason.PrivateIp, "PrivateIp", 400, """{"accepted":false,"action":"rejected","error":"PrivateIp"}""")]
    // Finer reasons than docs/protocol.md's codes travel in the extra `reason` field, which original nodes ignore.
    [InlineData(SignalAction.Rejected, RejectReason.InvalidIp, "PrivateIp", 400, """{"accepted":false,"action":"rejected","error":"PrivateIp","reason":"InvalidIp"}""")]
    [InlineData(SignalAction.Rejected, RejectReason.Allowlisted, "PrivateIp", 400, """{"accepted":false,"action":"rejected","error":"PrivateIp","reason":"Allowlisted"}""")]
    [InlineData(SignalAction.Rejected, RejectReason.InvalidField, "node_id x is not 64 lowercase hex", 400, """{"accepted":false,"action":"rejected","error":"node_id x is not 64 lowercase hex","reason":"InvalidField"}""")]
    [InlineData(SignalAction.Quarantined, RejectReason.RateLimitExceeded, "rate limit exceeded", 429, """{"accepted":false,"action":"quarantined","error":"rate limit exceeded"}""")]
    [InlineData(SignalAction.Quarantined, RejectReason.PeerQuarantined, "peer is quarantined", 403, """{"accepted":false,"action":"quarantined","error":"peer is quarantined"}""")]
    public async Task Each_verdict_is_answered_with_the_protocol_status_and_body(
        SignalAction action, RejectReason reason, string? error, int expectedStatus, string expectedBody)
    {
        _node.Sink.Judge = _ => ValueTask.FromResult(new SignalVerdict(action, reason, error));

        var (status, body, _) = await PostAsync("/mesh/signal", Encoding.UTF8.GetBytes(TestSignals.Vector1Json), "application/json");

        Assert.Equal(expectedStatus, (int)status);
        Assert.Equal(expectedBody, body);
    }

    public static TheoryData<string, string, string?, byte[], int, string> BadRequests()
    {
        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        var json = TestSignals.Vector1Json;
        var data = new TheoryData<string, string, string?, byte[], int, string>
        {
            { "malformed JSON", "/mesh/signal", "application/json", Utf8("{\"node_id\": "), 400, "malformed JSON" },
            { "empty body", "/mesh/signal", "application/json", [], 400, "empty body" },
            { "missing field", "/mesh/signal", "application/json", Utf8(json.Replace("\"ip\": \"185.220.1.7\", ", "", StringComparison.Ordinal)), 400, "missing field `ip`" },
            { "wrong type", "/mesh/signal", "application/json", Utf8(json.Replace("0.92", "\"high\"", StringComparison.Ordinal)), 400, "invalid type for `confidence`" },
            { "negative ttl", "/mesh/signal", "application/json", Utf8(json.Replace("3600", "-1", StringComparison.Ordinal)), 400, "ttl_secs" },
            { "huge string", "/mesh/signal", "application/json", Utf8(json.Replace("185.220.1.7", new string('1', 10_000), StringComparison.Ordinal)), 400, "too long" },
            { "deep nesting", "/mesh/signal", "application/json", Utf8("{\"x\":" + new string('[', 5000) + new string(']', 5000) + "}"), 400, "malformed JSON" },
            { "not an object", "/mesh/signal", "application/json", Utf8("[1,2,3]"), 400, "expected a JSON object" },
            { "oversized body", "/mesh/signal", "application/json", Utf8(json + new string(' ', 20_000)), 413, "over the limit" },
            { "wrong content type", "/mesh/signal", "text/plain", Utf8(json), 415, "unsupported content type 'text/plain" },
            { "no content type", "/mesh/signal", null, Utf8(json), 415, "unsupported content type" },
            { "truncated msgpack", "/mesh/signal", MediaTypes.MessagePack, MessagePackSignal.ToBytes(TestSignals.Vector1)[..40], 400, "malformed MessagePack" },
            { "msgpack wrong type", "/mesh/signal", MediaTypes.MessagePack, MessagePackWithConfidenceAsString(), 400, "invalid type for `confidence`: expected a float, found a string" },
            { "msgpack not a map", "/mesh/signal", MediaTypes.MessagePack, [0x93, 0x01, 0x02, 0x03], 400, "must be a MessagePack map" },
            { "msgpack deep nesting", "/mesh/signal", MediaTypes.MessagePack, MessagePackDeepUnknownField(), 400, "nested deeper than 8 levels" },
            { "msgpack huge string header", "/mesh/signal", MediaTypes.MessagePack, [0x81, 0xa2, (byte)'i', (byte)'p', 0xdb, 0x7f, 0xff, 0xff, 0xff, 0x41], 400, "malformed MessagePack" },
            { "msgpack garbage", "/mesh/signal", MediaTypes.MessagePack, [0xc1, 0xc1, 0xc1], 400, "" },
            { "batch as JSON", "/mesh/signals", "application/json", Utf8("[" + json + "]"), 415, "a batch is application/x-msgpack" },
            { "batch not an array", "/mesh/signals", MediaTypes.MessagePack, MessagePackSignal.ToBytes(TestSignals.Vector1), 400, "must be a MessagePack array" },
            { "batch truncated", "/mesh/signals", MediaTypes.MessagePack, MessagePackSignal.BatchToBytes([TestSignals.Vector1, TestSignals.Vector1])[..150], 400, "malformed MessagePack batch" },
            { "batch too many", "/mesh/signals", MediaTypes.MessagePack, MessagePackSignal.BatchToBytes(Enumerable.Repeat(TestSignals.Vector1, 1001).ToArray()), 400, "batch of 1001 signals is over the limit of 1000" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_request_gets_a_4xx_with_a_reason_never_reaches_the_sink_and_the_server_keeps_serving(
        string name, string path, string? contentType, byte[] body, int expectedStatus, string reasonFragment)
    {
        var (status, reply, _) = await PostAsync(path, body, contentType, accept: "application/json");

        Assert.True(expectedStatus == (int)status, $"{name}: expected {expectedStatus}, got {(int)status} {reply}");
        using var document = JsonDocument.Parse(reply);
        Assert.False(document.RootElement.GetProperty("accepted").GetBoolean());
        Assert.Equal("rejected", document.RootElement.GetProperty("action").GetString());
        Assert.Contains(reasonFragment, document.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_node.Sink.Received);

        var (after, _, _) = await PostAsync("/mesh/signal", Encoding.UTF8.GetBytes(TestSignals.Vector1Json), "application/json");
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Single(_node.Sink.Received);
    }

    [Fact]
    public async Task An_unforeseen_failure_is_answered_with_400_and_a_reason_and_the_server_keeps_serving()
    {
        _node.Sink.Judge = _ => throw new InvalidOperationException("boom");

        var (status, body, _) = await PostAsync("/mesh/signal", Encoding.UTF8.GetBytes(TestSignals.Vector1Json), "application/json");

        // Never a 5xx: that would invite the sender to retry what may be a hostile input forever.
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("""{"accepted":false,"action":"rejected","error":"unprocessable signal (InvalidOperationException)"}""", body);
        _node.Sink.Judge = _ => ValueTask.FromResult(new SignalVerdict(SignalAction.Discarded, RejectReason.None, null));
        var (after, _, _) = await PostAsync("/mesh/signal", Encoding.UTF8.GetBytes(TestSignals.Vector1Json), "application/json");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Ping_reports_the_sinks_status_and_that_this_node_reads_MessagePack()
    {
        var reply = await Http.GetStringAsync(Url("/mesh/ping"));

        Assert.Equal(
            """{"node_id":"79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664","version":"0.2.0-test","uptime_secs":42,"staged_count":7,"encodings":["json","msgpack"]}""",
            reply);
        var parsed = await _node.Transport.PingAsync(_node.Address, CancellationToken.None);
        Assert.Equal(new Contracts.Transport.PeerPingReply(TestSignals.NodeId, "0.2.0-test", 42, 7, SupportsMessagePack: true), parsed);
    }

    [Fact]
    public async Task Unknown_path_and_wrong_method_are_refused_without_reaching_the_sink()
    {
        using var notFound = await Http.GetAsync(Url("/mesh/nothing"));
        using var wrongMethod = await Http.GetAsync(Url("/mesh/signal"));

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Empty(_node.Sink.Received);
    }

    [Fact]
    public async Task Listen_address_reports_the_real_port_when_bound_to_port_0()
    {
        Assert.Equal("https", _node.Address.Scheme);
        Assert.Equal("127.0.0.1", _node.Address.Host);
        Assert.NotEqual(0, _node.Address.Port);
        await using var second = await TestNode.StartAsync();
        Assert.NotEqual(_node.Address.Port, second.Address.Port);
    }

    private static byte[] MessagePackWithConfidenceAsString()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1);
        writer.Write("confidence");
        writer.Write("0.92");
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] MessagePackDeepUnknownField()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1);
        writer.Write("x");
        for (int i = 0; i < 5000; i++)
        {
            writer.WriteArrayHeader(1);
        }
        writer.WriteNil();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}

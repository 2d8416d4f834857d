using System.Buffers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Fixtures.Nats;
using InnerWarden.Mesh.Plugins.Tests.Transport.Http;
using InnerWarden.Mesh.Transport.Common.Wire;
using InnerWarden.Mesh.Transport.Nats;
using InnerWarden.Mesh.Transport.Nats.Wire;
using MessagePack;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Nats;

/// <summary>The nats transport against one real nats-server with JetStream.</summary>
public sealed class NatsMeshTransportTests
{
    private const string Subject = NatsTransportOptions.DefaultSubject;
    private const string Stream = NatsTransportOptions.DefaultStream;

    [Fact]
    public async Task Broadcast_returns_at_once_is_stored_once_and_reaches_every_node_with_its_signature_intact()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        await using var a = await NatsTestNode.StartAsync(servers.Urls);
        await using var b = await NatsTestNode.StartAsync(servers.Urls);
        var signal = NatsTestNode.Signal("185.220.1.7");

        var first = a.Transport.BroadcastAsync(signal, CancellationToken.None);
        var again = a.Transport.BroadcastAsync(signal, CancellationToken.None);

        Assert.True(first.IsCompletedSuccessfully && again.IsCompletedSuccessfully, "a broadcast must not wait on the network");
        await NatsTestNode.WaitUntilAsync(() => b.Sink.Signals.Count == 1 && a.Sink.Signals.Count == 1, "both nodes to receive the signal");
        await NatsTestNode.WaitUntilAsync(() => a.Transport.Publisher.Published == 2, "both publishes to be acknowledged");
        Assert.Equal(signal, Assert.Single(b.Sink.Signals));
        Assert.Equal(signal, Assert.Single(a.Sink.Signals)); // its own, back from the stream: the host answers it duplicate
        var (_, origin) = Assert.Single(b.Sink.Received);
        Assert.Equal(MessagePackSignal.EncodingName, origin.Encoding);
        Assert.StartsWith(servers[0].Url, origin.RemoteAddress, StringComparison.Ordinal);
        Assert.EndsWith($"{Stream}#1", origin.RemoteAddress, StringComparison.Ordinal);
        var info = await StreamInfoAsync(servers.Urls);
        Assert.Equal(1, info.State.Messages); // published twice, stored once: Nats-Msg-Id is the signature
        await Task.Delay(200);
        Assert.Single(b.Sink.Signals);
    }

    [Fact]
    public async Task Stream_keeps_an_hour_dedups_for_an_hour_and_each_node_has_a_durable_consumer_named_after_it()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        await using var node = await NatsTestNode.StartAsync(servers.Urls);

        var info = await StreamInfoAsync(servers.Urls);
        Assert.Equal([Subject], info.Config.Subjects);
        Assert.Equal(TimeSpan.FromHours(1), info.Config.MaxAge);
        Assert.Equal(TimeSpan.FromHours(1), info.Config.DuplicateWindow);
        Assert.Equal(1, info.Config.NumReplicas);
        await using var raw = await ConnectAsync(servers.Urls);
        var consumer = await new NatsJSContext(raw).GetConsumerAsync(Stream, node.NodeId);
        Assert.Equal(node.NodeId, consumer.Info.Config.DurableName);
        Assert.Equal(ConsumerConfigDeliverPolicy.All, consumer.Info.Config.DeliverPolicy);
        Assert.Equal(ConsumerConfigAckPolicy.Explicit, consumer.Info.Config.AckPolicy);
        Assert.Equal(Subject, consumer.Info.Config.FilterSubject);
    }

    [Fact]
    public async Task Message_is_acknowledged_only_after_the_sink_returned_and_comes_back_when_the_sink_threw()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        var sink = new RecordingSink
        {
            Judge = async _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await gate.Task;
                    throw new IOException("database is locked");
                }
                return new SignalVerdict(SignalAction.Watchlisted, RejectReason.None, null);
            },
        };
        await using var node = await NatsTestNode.StartAsync(servers.Urls, sink: sink);
        await using var raw = await ConnectAsync(servers.Urls);
        var js = new NatsJSContext(raw);
        await PublishAsync(js, MessagePackSignal.ToBytes(NatsTestNode.Signal("185.220.1.8")));

        await NatsTestNode.WaitUntilAsync(() => sink.Received.Count == 1, "the signal to reach the sink");
        var waiting = await js.GetConsumerAsync(Stream, node.NodeId);
        Assert.Equal(1, waiting.Info.NumAckPending); // the host has not returned: not acknowledged
        gate.SetResult();

        await NatsTestNode.WaitUntilAsync(() => sink.Received.Count == 2, "the nak'ed signal to come back");
        await NatsTestNode.WaitUntilAsync(async () => await AckPendingAsync(js, node.NodeId) == 0, "the second delivery to be acknowledged");
        Assert.Equal(1, node.Transport.Consumer!.SinkFailures);
        var done = await js.GetConsumerAsync(Stream, node.NodeId);
        Assert.Equal(0UL, done.Info.NumPending);
        Assert.Equal(1UL, done.Info.AckFloor.StreamSeq);
    }

    [Fact]
    public async Task Stopped_node_catches_up_on_what_it_missed_and_gets_nothing_twice()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        await using var a = await NatsTestNode.StartAsync(servers.Urls);
        var b = await NatsTestNode.StartAsync(servers.Urls);
        var before = Enumerable.Range(1, 20).Select(i => NatsTestNode.Signal($"185.221.0.{i}")).ToArray();
        foreach (var signal in before)
        {
            await a.Transport.BroadcastAsync(signal, CancellationToken.None);
        }
        await NatsTestNode.WaitUntilAsync(() => b.Sink.Signals.Count == 20, "b to receive the first 20");
        await b.DisposeAsync();

        var missed = Enumerable.Range(1, 30).Select(i => NatsTestNode.Signal($"185.221.1.{i}")).ToArray();
        foreach (var signal in missed)
        {
            await a.Transport.BroadcastAsync(signal, CancellationToken.None);
        }
        await NatsTestNode.WaitUntilAsync(() => a.Transport.Publisher.Published == 50, "a's 50 signals to be stored");
        await using var again = await NatsTestNode.StartAsync(servers.Urls, nodeId: b.NodeId);

        await NatsTestNode.WaitUntilAsync(() => again.Sink.Signals.Count >= 30, "b to catch up on the 30 it missed");
        await Task.Delay(300);
        Assert.Equal(missed.Select(s => s.Signature).Order(), again.Sink.Signals.Select(s => s.Signature).Order());
    }

    [Fact]
    public async Task Without_catch_up_a_node_gets_only_what_is_published_while_it_runs()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        var settings = new Dictionary<string, string> { ["catch_up"] = "false" };
        await using var a = await NatsTestNode.StartAsync(servers.Urls);
        await a.Transport.BroadcastAsync(NatsTestNode.Signal("185.222.0.1"), CancellationToken.None);
        await NatsTestNode.WaitUntilAsync(() => a.Transport.Publisher.Published == 1, "the early signal to be stored");

        await using var b = await NatsTestNode.StartAsync(servers.Urls, settings);
        var fresh = NatsTestNode.Signal("185.222.0.2");
        await a.Transport.BroadcastAsync(fresh, CancellationToken.None);

        await NatsTestNode.WaitUntilAsync(() => b.Sink.Signals.Count == 1, "b to receive the fresh signal");
        await Task.Delay(300);
        Assert.Equal(fresh, Assert.Single(b.Sink.Signals));
        await using var raw = await ConnectAsync(servers.Urls);
        await Assert.ThrowsAsync<NatsJSApiException>(async () => await new NatsJSContext(raw).GetConsumerAsync(Stream, b.NodeId));
    }

    [Fact]
    public async Task Messages_that_are_not_signals_are_counted_acknowledged_and_logged_at_most_once_a_minute_per_cause()
    {
        await using var servers = await NatsServers.StartSingleAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogCapture();
        await using var node = await NatsTestNode.StartAsync(servers.Urls, time: time, logs: logs);
        await using var raw = await ConnectAsync(servers.Urls);
        var js = new NatsJSContext(raw);
        var good = NatsTestNode.Signal("185.223.0.1");

        await PublishAsync(js, "not messagepack at all"u8.ToArray());
        await PublishAsync(js, [0xc1, 0xc1, 0xc1]);
        await PublishAsync(js, """{"node_id":"json is not this stream's form"}"""u8.ToArray());
        await PublishAsync(js, []);
        await PublishAsync(js, MapWith("node_id", "only one field"));
        await PublishAsync(js, MapWith("ip", "also not a signal"));
        await PublishAsync(js, MapWith("evidence", new string('x', 20_000)));
        await PublishAsync(js, MessagePackSignal.ToBytes(good));

        await NatsTestNode.WaitUntilAsync(() => node.Sink.Signals.Count == 1, "the good signal after the garbage");
        var malformed = node.Transport.Consumer!.Malformed;
        await NatsTestNode.WaitUntilAsync(() => malformed.Total == 7, "every malformed message to be counted");
        Assert.Equal(good, Assert.Single(node.Sink.Signals));
        Assert.Equal((3L, 1L, 2L, 1L), (malformed.CountOf(MalformedCause.NotMessagePack), malformed.CountOf(MalformedCause.Empty),
            malformed.CountOf(MalformedCause.WrongFields), malformed.CountOf(MalformedCause.Oversized)));
        await NatsTestNode.WaitUntilAsync(async () => await AckPendingAsync(js, node.NodeId) == 0, "every message to be acknowledged");
        var lines = logs.WithId(3160);
        Assert.Equal(4, lines.Count); // one per cause within the minute
        Assert.Contains(lines, line => line.Contains("(not MessagePack)", StringComparison.Ordinal) && line.StartsWith("1 message(s)", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("(wrong fields)", StringComparison.Ordinal) && line.Contains("missing field", StringComparison.Ordinal));

        time.Advance(TimeSpan.FromSeconds(61));
        await PublishAsync(js, "more garbage"u8.ToArray());
        await NatsTestNode.WaitUntilAsync(() => logs.WithId(3160).Count == 5, "a new minute's line");
        Assert.StartsWith("3 message(s)", logs.WithId(3160)[^1], StringComparison.Ordinal); // the two unreported ones and this
    }

    [Fact]
    public async Task Broadcast_while_the_cluster_is_down_returns_at_once_and_is_published_when_it_comes_back()
    {
        int port = NatsServerProcess.FreePort();
        var logs = new LogCapture();
        await using var node = await NatsTestNode.StartAsync($"nats://127.0.0.1:{port}", new Dictionary<string, string> { ["timeout_ms"] = "300" }, logs: logs);
        var signal = NatsTestNode.Signal("185.224.0.1");

        var broadcast = node.Transport.BroadcastAsync(signal, CancellationToken.None);

        Assert.True(broadcast.IsCompletedSuccessfully, "a broadcast must not wait on the network");
        Assert.Single(logs.WithId(3169)); // started anyway, and said so
        var down = Assert.Single(node.Transport.GetPeerLinks());
        Assert.Equal((false, "open", 1), (down.Reachable, down.CircuitState, down.PendingDeliveries));

        await using var servers = await NatsServers.StartSingleAsync(clientPort: port);

        await NatsTestNode.WaitUntilAsync(() => node.Transport.Publisher.Published == 1, "the queued signal to be published", TimeSpan.FromSeconds(20));
        await NatsTestNode.WaitUntilAsync(() => node.Sink.Signals.Count == 1, "the consumer to come up and read it back");
        var up = Assert.Single(node.Transport.GetPeerLinks());
        Assert.Equal((true, "closed", 0, 1L), (up.Reachable, up.CircuitState, up.PendingDeliveries, up.Delivered));
        Assert.Equal(new Uri(servers[0].Url), up.Peer.Endpoint);
        Assert.Equal(NatsMeshTransport.LinkLabel, up.Peer.Label);
        Assert.Equal(MessagePackSignal.EncodingName, up.Encoding);
        Assert.Null(await node.Transport.PingAsync(new Uri("http://127.0.0.1:1"), CancellationToken.None));
    }

    [Fact]
    public async Task Unpublished_signal_is_dropped_when_its_delivery_window_closes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        int port = NatsServerProcess.FreePort();
        await using var node = await NatsTestNode.StartAsync($"nats://127.0.0.1:{port}", new Dictionary<string, string> { ["timeout_ms"] = "200" }, time: time);
        var stale = NatsTestNode.Signal("185.225.0.1", time.GetUtcNow() - TimeSpan.FromMinutes(2), ttlSecs: 60);
        var shortLived = NatsTestNode.Signal("185.225.0.2", time.GetUtcNow(), ttlSecs: 60);

        await node.Transport.BroadcastAsync(stale, CancellationToken.None);
        await node.Transport.BroadcastAsync(shortLived, CancellationToken.None);

        Assert.Equal((1L, 1), (node.Transport.Publisher.Dropped, node.Transport.Publisher.Pending)); // the stale one never queued
        // The outbox retries on the node's clock; move it on until the signal's minute is over.
        await NatsTestNode.WaitUntilAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(5));
            return node.Transport.Publisher.Pending == 0;
        }, "the expired signal to leave the outbox");
        Assert.Equal(2L, node.Transport.Publisher.Dropped);
        Assert.Equal(0L, node.Transport.Publisher.Published);
    }

    [Fact]
    public async Task Full_outbox_drops_the_oldest_signal()
    {
        int port = NatsServerProcess.FreePort();
        await using var node = await NatsTestNode.StartAsync($"nats://127.0.0.1:{port}",
            new Dictionary<string, string> { ["timeout_ms"] = "200", ["outbox_capacity"] = "2" });

        foreach (var i in Enumerable.Range(1, 3))
        {
            await node.Transport.BroadcastAsync(NatsTestNode.Signal($"185.226.0.{i}"), CancellationToken.None);
        }

        Assert.Equal((2, 1L), (node.Transport.Publisher.Pending, node.Transport.Publisher.Dropped));
    }

    [Fact]
    public async Task User_and_password_are_presented_and_a_wrong_password_never_gets_in()
    {
        await using var servers = await NatsServers.StartSingleAsync("authorization { user: node, password: s3cret }",
            auth: NatsAuthOpts.Default with { Username = "node", Password = "s3cret" });
        await using var right = await NatsTestNode.StartAsync(servers.Urls, new Dictionary<string, string> { ["user"] = "node", ["password"] = "s3cret" });
        await using var wrong = await NatsTestNode.StartAsync(servers.Urls,
            new Dictionary<string, string> { ["user"] = "node", ["password"] = "guess", ["timeout_ms"] = "500" });

        Assert.True(right.Transport.Consumer!.IsConsuming);
        Assert.False(wrong.Transport.Consumer!.IsConsuming);
        Assert.False(Assert.Single(wrong.Transport.GetPeerLinks()).Reachable);
        await right.Transport.BroadcastAsync(NatsTestNode.Signal("185.227.0.1"), CancellationToken.None);
        await NatsTestNode.WaitUntilAsync(() => right.Sink.Signals.Count == 1, "the authenticated node to read its signal back");
        Assert.Empty(wrong.Sink.Signals);
    }

    [Fact]
    public async Task Nkey_seed_file_authenticates()
    {
        using var pair = NATS.NKeys.KeyPair.CreatePair(NATS.NKeys.PrefixByte.User);
        var seedFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(seedFile, pair.GetSeed());
            await using var servers = await NatsServers.StartSingleAsync($"authorization {{ users: [ {{ nkey: {pair.GetPublicKey()} }} ] }}",
                auth: NatsAuthOpts.Default with { NKey = pair.GetPublicKey(), Seed = pair.GetSeed() });
            await using var node = await NatsTestNode.StartAsync(servers.Urls, new Dictionary<string, string> { ["nkey_seed_file"] = seedFile });

            Assert.True(node.Transport.Consumer!.IsConsuming);
            await node.Transport.BroadcastAsync(NatsTestNode.Signal("185.228.0.1"), CancellationToken.None);
            await NatsTestNode.WaitUntilAsync(() => node.Sink.Signals.Count == 1, "the nkey-authenticated node to read its signal back");
        }
        finally
        {
            File.Delete(seedFile);
        }
    }

    [Fact]
    public void Codec_writes_this_projects_messagepack_form_and_names_what_is_wrong_with_the_rest()
    {
        var signal = NatsTestNode.Signal("185.229.0.1");
        var buffer = new ArrayBufferWriter<byte>();

        SignalCodec.Instance.Serialize(buffer, signal);

        Assert.Equal(MessagePackSignal.ToBytes(signal), buffer.WrittenSpan.ToArray());
        Assert.Equal(signal, SignalCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory)).Signal);
        Assert.Equal(MalformedCause.NotMessagePack, SignalCodec.Decode(new ReadOnlySequence<byte>(MessagePackSignal.ToBytes(signal)[..40])).Cause);
        Assert.Equal(MalformedCause.Empty, SignalCodec.Decode(ReadOnlySequence<byte>.Empty).Cause);
    }

    private static byte[] MapWith(string key, string value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1);
        writer.Write(key);
        writer.Write(value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task<NatsConnection> ConnectAsync(string urls)
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = urls });
        await connection.ConnectAsync();
        return connection;
    }

    private static async Task PublishAsync(NatsJSContext js, byte[] payload)
    {
        var ack = await js.PublishAsync(Subject, payload);
        ack.EnsureSuccess();
    }

    private static async Task<long> AckPendingAsync(NatsJSContext js, string consumer) =>
        (await js.GetConsumerAsync(Stream, consumer)).Info.NumAckPending;

    private static async Task<StreamInfo> StreamInfoAsync(string urls)
    {
        await using var raw = await ConnectAsync(urls);
        var stream = await new NatsJSContext(raw).GetStreamAsync(Stream);
        return stream.Info;
    }
}

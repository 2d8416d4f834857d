using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Transport.Http;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

public sealed class HttpMeshTransportClientTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Broadcast_reaches_two_live_peers_concurrently()
    {
        // Each peer holds its request until both have one: a sequential sender would never finish.
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int arrived = 0;
        async ValueTask<SignalVerdict> Barrier(ThreatSignal _)
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                both.TrySetResult();
            }
            await both.Task.WaitAsync(HangGuard);
            return new SignalVerdict(SignalAction.Watchlisted, RejectReason.None, null);
        }
        await using var b = await TestNode.StartAsync(sink: new RecordingSink { Judge = Barrier });
        await using var c = await TestNode.StartAsync(sink: new RecordingSink { Judge = Barrier });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([b.Address, c.Address], new HttpTransportOptions { Timeout = TimeSpan.FromSeconds(30) }, time);
        var signal = TestSignals.Make("185.220.1.7", time.GetUtcNow());

        await a.BroadcastAsync(signal).WaitAsync(HangGuard);

        Assert.Equal(signal, Assert.Single(b.Sink.Signals));
        Assert.Equal(signal, Assert.Single(c.Sink.Signals));
        Assert.All(a.Transport.GetPeerLinks(), link =>
        {
            Assert.True(link.Reachable);
            Assert.Equal(time.GetUtcNow(), link.LastContact);
            Assert.Equal("closed", link.CircuitState);
            Assert.Equal(0, link.PendingDeliveries);
        });
    }

    [Fact]
    public async Task Peer_that_accepts_and_never_answers_holds_up_neither_the_caller_nor_the_other_peer()
    {
        await using var silent = new SilentPeer();
        await using var b = await TestNode.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // A long timeout: were the silent peer waited on, the live one would get its signals minutes late.
        await using var a = await TestNode.StartAsync([silent.Address, b.Address], new HttpTransportOptions { Timeout = TimeSpan.FromMinutes(10) }, time);
        var signals = Enumerable.Range(1, 20).Select(i => TestSignals.Make($"185.220.9.{i}", time.GetUtcNow())).ToArray();

        foreach (var signal in signals)
        {
            // Returns at once: the broadcast only hands the signal to each peer's queue.
            Assert.True(a.Transport.BroadcastAsync(signal, CancellationToken.None).IsCompletedSuccessfully);
        }
        // Both conditions: on a loaded machine the live peer can have all 20 before the silent one's loop connects.
        for (int i = 0; i < 2000 && (b.Sink.Signals.Count < signals.Length || silent.Connections < 1); i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(signals.OrderBy(s => s.Ip), b.Sink.Signals.OrderBy(s => s.Ip));
        Assert.True(silent.Connections >= 1);
        var toSilent = a.Transport.GetPeerLinks().Single(link => link.Peer.Endpoint == silent.Address);
        Assert.Equal(0, toSilent.Delivered);
        Assert.Null(toSilent.LastContact);
        Assert.False(a.Transport.WhenSentAsync().IsCompleted); // its first request is still waiting for an answer
        Assert.Equal(0, a.Transport.GetPeerLinks().Single(link => link.Peer.Endpoint == b.Address).Failed);
    }

    [Fact]
    public async Task Original_node_is_spoken_to_in_JSON_and_ours_in_MessagePack()
    {
        await using var original = await OriginalNodeStub.StartAsync();
        await using var ours = await TestNode.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([original.Address, ours.Address], time: time);
        var signal = TestSignals.Vector1 with { Timestamp = new SignalTimestamp(time.GetUtcNow().ToUnixTimeSeconds(), 123_456_789) };

        await a.BroadcastAsync(signal);

        var (contentType, body) = Assert.Single(original.Bodies);
        Assert.Equal("application/json", contentType);
        Assert.Equal(signal, ThreatSignalJson.Parse(body).Signal);
        Assert.Equal("msgpack", Assert.Single(ours.Sink.Received).Origin.Encoding);
        Assert.Equal(signal, Assert.Single(ours.Sink.Signals));
        var links = a.Transport.GetPeerLinks();
        Assert.Equal("json", links.Single(link => link.Peer.Endpoint == original.Address).Encoding);
        Assert.Equal("msgpack", links.Single(link => link.Peer.Endpoint == ours.Address).Encoding);
    }

    [Fact]
    public async Task Ping_of_an_original_node_says_it_does_not_read_MessagePack()
    {
        await using var original = await OriginalNodeStub.StartAsync();
        await using var a = await TestNode.StartAsync();

        var reply = await a.Transport.PingAsync(original.Address, CancellationToken.None);

        Assert.NotNull(reply);
        Assert.Equal(TestSignals.NodeId, reply.NodeId);
        Assert.Equal("0.1.0", reply.Version);
        Assert.False(reply.SupportsMessagePack);
    }

    [Fact]
    public async Task Ping_of_a_closed_port_returns_null()
    {
        await using var a = await TestNode.StartAsync();

        var reply = await a.Transport.PingAsync(new Uri($"http://127.0.0.1:{TestNode.ReservePort()}"), CancellationToken.None);

        Assert.Null(reply);
    }

    [Fact]
    public async Task Down_peer_opens_the_breaker_and_gets_everything_it_missed_exactly_once_when_back()
    {
        int port = TestNode.ReservePort();
        var peer = new Uri($"http://127.0.0.1:{port}");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([peer], time: time);
        var signals = Enumerable.Range(1, 6).Select(i => TestSignals.Make($"185.220.1.{i}", time.GetUtcNow())).ToArray();

        foreach (var signal in signals)
        {
            await a.BroadcastAsync(signal);
        }

        var down = Assert.Single(a.Transport.GetPeerLinks());
        Assert.False(down.Reachable);
        Assert.Null(down.LastContact);
        Assert.Equal("open", down.CircuitState);
        Assert.Equal(6, down.PendingDeliveries);

        await using var b = await TestNode.StartAsync(port: port);
        await AdvanceUntilDeliveredAsync(a, time);

        Assert.Equal(signals.OrderBy(s => s.Ip), b.Sink.Signals.OrderBy(s => s.Ip));
        Assert.All(b.Sink.Received, item => Assert.Equal("msgpack", item.Origin.Encoding));
        var back = Assert.Single(a.Transport.GetPeerLinks());
        Assert.True(back.Reachable);
        Assert.Equal("closed", back.CircuitState);

        // Nothing is sent twice afterwards either.
        time.Advance(TimeSpan.FromMinutes(10));
        await a.Transport.WhenOutboxIdleAsync();
        Assert.Equal(6, b.Sink.Received.Count);
    }

    [Fact]
    public async Task Original_node_that_was_down_gets_what_it_missed_as_JSON_one_by_one()
    {
        int port = TestNode.ReservePort();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([new Uri($"http://127.0.0.1:{port}")], time: time);
        var signals = Enumerable.Range(1, 3).Select(i => TestSignals.Make($"185.220.8.{i}", time.GetUtcNow())).ToArray();
        foreach (var signal in signals)
        {
            await a.BroadcastAsync(signal);
        }

        await using var original = await OriginalNodeStub.StartAsync(port);
        await AdvanceUntilDeliveredAsync(a, time);

        Assert.Equal(signals, original.Bodies.Select(item => ThreatSignalJson.Parse(item.Body).Signal));
        Assert.Equal("json", Assert.Single(a.Transport.GetPeerLinks()).Encoding);
    }

    [Fact]
    public async Task Open_breaker_costs_no_request_per_signal()
    {
        int port = TestNode.ReservePort();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([new Uri($"http://127.0.0.1:{port}")], time: time);
        for (int i = 0; i < 3; i++)
        {
            await a.BroadcastAsync(TestSignals.Make($"185.220.2.{i}", time.GetUtcNow()));
        }
        Assert.Equal("open", Assert.Single(a.Transport.GetPeerLinks()).CircuitState);

        // The peer comes up, but within the break duration nothing is tried: the signal only queues.
        await using var b = await TestNode.StartAsync(port: port);
        await a.BroadcastAsync(TestSignals.Make("185.220.2.9", time.GetUtcNow()));

        Assert.Empty(b.Sink.Received);
        Assert.Equal(4, Assert.Single(a.Transport.GetPeerLinks()).PendingDeliveries);
    }

    [Fact]
    public async Task Outbox_keeps_only_the_newest_signals_when_full()
    {
        int port = TestNode.ReservePort();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([new Uri($"http://127.0.0.1:{port}")], new HttpTransportOptions { OutboxCapacity = 3 }, time);
        var signals = Enumerable.Range(1, 5).Select(i => TestSignals.Make($"185.220.3.{i}", time.GetUtcNow())).ToArray();
        foreach (var signal in signals)
        {
            await a.BroadcastAsync(signal);
        }
        Assert.Equal(3, Assert.Single(a.Transport.GetPeerLinks()).PendingDeliveries);

        await using var b = await TestNode.StartAsync(port: port);
        await AdvanceUntilDeliveredAsync(a, time);

        Assert.Equal(signals[2..], b.Sink.Signals);
    }

    [Fact]
    public async Task Expired_signals_are_not_retried()
    {
        int port = TestNode.ReservePort();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([new Uri($"http://127.0.0.1:{port}")], time: time);
        var shortLived = TestSignals.Make("185.220.4.1", time.GetUtcNow(), ttlSecs: 60);
        var longLived = TestSignals.Make("185.220.4.2", time.GetUtcNow(), ttlSecs: 86_400);
        await a.BroadcastAsync(shortLived);
        await a.BroadcastAsync(longLived);
        Assert.Equal(2, Assert.Single(a.Transport.GetPeerLinks()).PendingDeliveries);

        // Past the short one's TTL; the long one is capped at the receivers' 1 h window, which has not passed.
        time.Advance(TimeSpan.FromSeconds(61));
        await a.Transport.WhenOutboxIdleAsync();
        await using var b = await TestNode.StartAsync(port: port);
        await AdvanceUntilDeliveredAsync(a, time);

        Assert.Equal(longLived, Assert.Single(b.Sink.Signals));
    }

    [Fact]
    public async Task Signals_past_the_receivers_one_hour_window_are_dropped_even_with_a_long_ttl()
    {
        int port = TestNode.ReservePort();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([new Uri($"http://127.0.0.1:{port}")], time: time);
        await a.BroadcastAsync(TestSignals.Make("185.220.5.1", time.GetUtcNow(), ttlSecs: 86_400));

        time.Advance(TimeSpan.FromMinutes(61));
        await a.Transport.WhenOutboxIdleAsync();
        for (int i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMinutes(2));
            await a.Transport.WhenOutboxIdleAsync();
        }

        Assert.Equal(0, Assert.Single(a.Transport.GetPeerLinks()).PendingDeliveries);
    }

    [Fact]
    public async Task Duplicate_reply_counts_as_delivered()
    {
        await using var b = await TestNode.StartAsync(sink: new RecordingSink
        {
            Judge = _ => ValueTask.FromResult(new SignalVerdict(SignalAction.Duplicate, RejectReason.None, null)),
        });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestNode.StartAsync([b.Address], time: time);

        await a.BroadcastAsync(TestSignals.Make("185.220.6.1", time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(5));
        await a.Transport.WhenOutboxIdleAsync();

        Assert.Single(b.Sink.Received);
        Assert.Equal(0, Assert.Single(a.Transport.GetPeerLinks()).PendingDeliveries);
    }

    // Advances the fake clock in steps past the breaker's break and the backoff, waiting for each retry round.
    private static async Task AdvanceUntilDeliveredAsync(TestNode node, FakeTimeProvider time)
    {
        for (int round = 0; round < 20 && node.Transport.GetPeerLinks().Any(link => link.PendingDeliveries > 0); round++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await node.Transport.WhenOutboxIdleAsync().WaitAsync(HangGuard);
        }
        Assert.All(node.Transport.GetPeerLinks(), link => Assert.Equal(0, link.PendingDeliveries));
    }
}

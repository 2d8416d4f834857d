using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using MyPlugin;

namespace MyPlugin.Tests;

public sealed class DirectoryTransportTests
{
    private static readonly ThreatSignal Signal = ThreatSignalJson.Parse(
        """{"node_id":"1111111111111111111111111111111111111111111111111111111111111111","ip":"198.51.100.7","detector":"ssh_bruteforce","confidence":0.9,"evidence_hash":"2222222222222222222222222222222222222222222222222222222222222222","ttl_secs":3600,"timestamp":"2026-01-01T00:00:00Z","signature":"AAAA"}""").Signal!;

    [Fact]
    public async Task A_broadcast_lands_in_the_outbox_and_an_inbox_file_reaches_the_sink()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"myplugin-{Guid.NewGuid():N}");
        var sink = new RecordingSink();
        await using var transport = new DirectoryTransport(directory);
        try
        {
            await transport.StartAsync(sink, CancellationToken.None);
            await transport.BroadcastAsync(Signal, CancellationToken.None);
            var sent = Assert.Single(Directory.GetFiles(Path.Combine(directory, "outbox"), "*.json"));

            File.Move(sent, Path.Combine(directory, "inbox", "from-peer.json"));
            var received = await sink.First.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("198.51.100.7", received.Ip);
            await transport.StopAsync(CancellationToken.None);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class RecordingSink : ISignalSink
    {
        public TaskCompletionSource<ThreatSignal> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<SignalVerdict> SubmitAsync(ThreatSignal signal, SignalOrigin origin, CancellationToken cancellationToken)
        {
            First.TrySetResult(signal);
            return ValueTask.FromResult(new SignalVerdict(SignalAction.Discarded, RejectReason.None, null));
        }

        public NodeStatus GetStatus() => new(new string('1', 64), "1.0.0", 0, 0);
    }
}

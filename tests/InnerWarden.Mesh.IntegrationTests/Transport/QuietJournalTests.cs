using System.Collections.Concurrent;
using System.Net;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Identity;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.IntegrationTests.Transport;

/// <summary>
/// Issue 14 item 5: at the default level, inbound signals and requests write nothing to the journal. A real node behind
/// real Kestrel, logging through the agent's own filters (<see cref="JournalFilters"/>), is sent 1,000 signals over HTTP.
/// </summary>
public sealed class QuietJournalTests : IDisposable
{
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x24, NodeIdentity.SeedLength).ToArray());

    public void Dispose() => _peer.Dispose();

    [Fact]
    public async Task A_thousand_inbound_signals_write_no_journal_line_at_the_default_level()
    {
        var journal = new JournalLines();
        using var logs = LoggerFactory.Create(b => JournalFilters.Apply(b, LogLevel.Information).AddProvider(journal));
        await using var mesh = await TestMesh.StartAsync(new TestNodeSpec("N")
        {
            Logs = logs,
            MaxSignalsPerHour = 100_000,
            // Never contacted; vouched at 0.5: 0.5 x 0.7 = 0.35, watchlisted (no firewall batch, whose line is wanted).
            ExtraPeers = [new PeerInfo(new Uri("http://127.0.0.1:9"), _peer.NodeId, "P")],
        });
        var node = mesh["N"];
        // Start-up is over once discovery has tried the silent peer (its link's one line says so, with the cause).
        await TestMesh.WaitUntilAsync(() => journal.Lines.Any(l => l.Contains("peer http://127.0.0.1:9/ unreachable: connection refused", StringComparison.Ordinal)),
            "discovery tries the silent peer");
        var startUp = journal.Lines.Count;

        for (var i = 0; i < 1000; i++)
        {
            var (status, _) = await mesh.PostAsync(node, TestMesh.Sign(_peer, $"185.220.{1 + (i / 250)}.{1 + (i % 250)}", confidence: 0.7f));
            Assert.Equal(HttpStatusCode.OK, status);
        }
        await node.Node.FlushAsync();

        Assert.Equal(1000, node.Node.Snapshot().Staged.Count);
        var during = journal.Lines.Skip(startUp).ToList();
        Assert.True(during.Count == 0, $"{during.Count} journal lines for 1,000 signals:\n{string.Join('\n', during.Take(20))}");
        Assert.DoesNotContain(journal.Lines, l => l.Contains("Microsoft.AspNetCore", StringComparison.Ordinal) || l.Contains("Microsoft.Hosting.Lifetime", StringComparison.Ordinal));
    }

    /// <summary>Every line that would reach the journal, with its category.</summary>
    private sealed class JournalLines : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Line(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Line(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}

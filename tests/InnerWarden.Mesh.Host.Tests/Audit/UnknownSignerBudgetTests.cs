using System.Text.Json;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Audit;

/// <summary>Issue 13 item 3: unknown signers' lines past the budget become one line per minute per verdict and reason, with counts.</summary>
public sealed class UnknownSignerBudgetTests
{
    [Fact]
    public async Task Past_the_budget_unknown_signers_lines_become_one_count_per_minute_per_verdict_and_reason()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using var log = new AuditLog(dir.Path, new AuditOptions(UnknownLinesPerMinute: 5), time, NullLogger.Instance);
        log.Start();

        for (int i = 0; i < 100; i++)
        {
            log.Write(Unknown(time, "discarded", "None", i));
            if (i % 5 == 0)
            {
                // Known signers' and sent lines are never part of the budget, however many.
                log.Write(AuditLogTests.Record(time.GetUtcNow(), "blocked_full") with { Peers = 1_000 + i });
                log.Write(AuditLogTests.Record(time.GetUtcNow(), "sent") with { Direction = "sent", Peers = 2_000 + i });
            }
        }
        for (int i = 0; i < 50; i++)
        {
            log.Write(Unknown(time, "rejected", "InvalidSignature", 100 + i));
        }
        await log.FlushAsync();

        // The minute is not over: its counts are not written yet.
        var lines = Lines(dir.Path);
        Assert.Equal([0, 1, 2, 3, 4], Unknowns(lines));
        Assert.Equal(20, lines.Count(l => l.GetProperty("action").GetString() == "blocked_full"));
        Assert.Equal(20, lines.Count(l => l.GetProperty("direction").GetString() == "sent"));
        Assert.DoesNotContain(lines, l => l.TryGetProperty("count", out _));

        time.Advance(TimeSpan.FromMinutes(1));
        await log.FlushAsync();

        var summaries = Lines(dir.Path).Where(l => l.TryGetProperty("count", out _)).ToList();
        Assert.Equal([("discarded", "None", 95L), ("rejected", "InvalidSignature", 50L)],
            summaries.Select(s => (s.GetProperty("action").GetString(), s.GetProperty("reason").GetString(), s.GetProperty("count").GetInt64())));
        Assert.All(summaries, s =>
        {
            Assert.Equal(NodeHarness.Start, s.GetProperty("window_start").GetDateTimeOffset());
            Assert.Equal(NodeHarness.Start.AddMinutes(1), s.GetProperty("logged_at").GetDateTimeOffset());
            Assert.Equal("received", s.GetProperty("direction").GetString());
            Assert.False(s.TryGetProperty("node_id", out _));
        });
        Assert.Equal(145, log.SignalsCounted);
    }

    [Fact]
    public async Task A_new_minute_has_a_new_budget_and_shutdown_writes_the_counts_of_the_minute_it_interrupts()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        var log = new AuditLog(dir.Path, new AuditOptions(UnknownLinesPerMinute: 3), time, NullLogger.Instance);
        log.Start();
        for (int i = 0; i < 10; i++)
        {
            log.Write(Unknown(time, "discarded", "None", i));
        }
        // A line of the next minute closes the last one at once, before the clock reaches it in the writer.
        time.Advance(TimeSpan.FromSeconds(61));
        for (int i = 10; i < 20; i++)
        {
            log.Write(Unknown(time, "quarantined", "PeerQuarantined", i));
        }
        time.Advance(TimeSpan.FromSeconds(10));
        await log.DisposeAsync();

        var lines = Lines(dir.Path);
        Assert.Equal([0, 1, 2, 10, 11, 12], Unknowns(lines));
        var summaries = lines.Where(l => l.TryGetProperty("count", out _)).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.Equal(7, summaries[0].GetProperty("count").GetInt64());
        Assert.Equal(NodeHarness.Start.AddMinutes(1), summaries[0].GetProperty("logged_at").GetDateTimeOffset());
        Assert.Equal("quarantined", summaries[1].GetProperty("action").GetString());
        Assert.Equal(7, summaries[1].GetProperty("count").GetInt64());
        Assert.Equal(NodeHarness.Start.AddMinutes(1), summaries[1].GetProperty("window_start").GetDateTimeOffset());
        Assert.Equal(NodeHarness.Start.AddSeconds(71), summaries[1].GetProperty("logged_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Known_signers_get_one_line_per_signal_even_when_unknown_ones_get_none()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using var log = new AuditLog(dir.Path, new AuditOptions(UnknownLinesPerMinute: 0), time, NullLogger.Instance);
        log.Start();

        for (int i = 0; i < 5_000; i++)
        {
            log.Write(AuditLogTests.Record(time.GetUtcNow(), "blocked_full") with { Peers = i });
            log.Write(Unknown(time, "discarded", "None", i));
        }
        time.Advance(TimeSpan.FromMinutes(1));
        await log.FlushAsync();

        var lines = Lines(dir.Path);
        Assert.Equal(Enumerable.Range(0, 5_000), lines.Where(l => l.GetProperty("action").GetString() == "blocked_full").Select(l => l.GetProperty("peers").GetInt32()));
        var summary = Assert.Single(lines, l => l.GetProperty("action").GetString() == "discarded");
        Assert.Equal(5_000, summary.GetProperty("count").GetInt64());
    }

    private static AuditRecord Unknown(FakeTimeProvider time, string action, string reason, int number) =>
        AuditLogTests.Record(time.GetUtcNow(), action) with { Reason = reason, Peers = number, UnknownSigner = true };

    // The unknown signers' lines written in full, by number.
    private static List<int> Unknowns(List<JsonElement> lines) =>
        lines.Where(l => l.TryGetProperty("peers", out var p) && p.GetInt32() < 1_000).Select(l => l.GetProperty("peers").GetInt32()).ToList();

    private static List<JsonElement> Lines(string directory) =>
        AuditLog.Files(directory).SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}

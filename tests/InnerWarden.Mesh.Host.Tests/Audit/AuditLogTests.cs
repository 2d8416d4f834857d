using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Audit;

public sealed class AuditLogTests
{
    [Fact]
    public async Task Each_record_is_one_json_line_with_snake_case_fields()
    {
        using var dir = new TempDirectory();
        await using var log = NewLog(dir.Path);
        log.Start();

        log.Write(Record(NodeHarness.Start, "blocked_full"));
        log.Write(Record(NodeHarness.Start, "duplicate"));
        await log.FlushAsync();

        var lines = File.ReadAllLines(AuditLog.PathFor(dir.Path, NodeHarness.Start));
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[0]);
        Assert.Equal("blocked_full", doc.RootElement.GetProperty("action").GetString());
        Assert.Equal("received", doc.RootElement.GetProperty("direction").GetString());
        Assert.Equal("185.220.1.7", doc.RootElement.GetProperty("ip").GetString());
        Assert.Equal(3600UL, doc.RootElement.GetProperty("ttl_secs").GetUInt64());
        Assert.Equal("a+b/c==", doc.RootElement.GetProperty("signature").GetString());
        Assert.EndsWith("mesh-signals-2026-03-27.jsonl", AuditLog.PathFor(dir.Path, NodeHarness.Start), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_file_rolls_at_utc_midnight()
    {
        using var dir = new TempDirectory();
        await using var log = NewLog(dir.Path);
        var beforeMidnight = new DateTimeOffset(2026, 3, 27, 23, 59, 59, TimeSpan.Zero);

        log.Write(Record(beforeMidnight, "discarded"));
        log.Write(Record(beforeMidnight.AddSeconds(2), "discarded"));
        await log.FlushAsync();

        Assert.Single(File.ReadAllLines(Path.Combine(dir.Path, "mesh-signals-2026-03-27.jsonl")));
        Assert.Single(File.ReadAllLines(Path.Combine(dir.Path, "mesh-signals-2026-03-28.jsonl")));
    }

    [Fact]
    public async Task An_unwritable_directory_is_logged_not_thrown()
    {
        using var dir = new TempDirectory();
        var blocker = dir.File("not-a-dir");
        File.WriteAllText(blocker, "");
        await using var log = NewLog(blocker);

        log.Write(Record(NodeHarness.Start, "discarded"));
        await log.FlushAsync();

        Assert.False(Directory.Exists(blocker));
        Assert.Equal(1, log.LinesLost);
    }

    [Fact]
    public async Task Every_field_is_written_under_its_snake_case_name_and_nulls_are_left_out()
    {
        using var dir = new TempDirectory();
        await using var log = NewLog(dir.Path);

        log.Write(Record(NodeHarness.Start, "discarded") with { Peers = 3 });
        log.Write(new AuditRecord(NodeHarness.Start, "local", null, "185.220.1.7", "sshd", null, null, null, null, "refused", "PrivateIp", "private", null, null, null));
        await log.FlushAsync();

        var lines = File.ReadAllLines(AuditLog.PathFor(dir.Path, NodeHarness.Start));
        using var full = JsonDocument.Parse(lines[0]);
        Assert.Equal(
            ["logged_at", "direction", "node_id", "ip", "detector", "confidence", "ttl_secs", "timestamp", "signature", "action", "reason", "score", "remote", "peers"],
            full.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(NodeHarness.Start, full.RootElement.GetProperty("logged_at").GetDateTimeOffset());
        Assert.Equal(0.9f, full.RootElement.GetProperty("confidence").GetSingle());
        Assert.Equal("2026-03-27T12:00:00Z", full.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal(0.63, full.RootElement.GetProperty("score").GetDouble());
        Assert.Equal(3, full.RootElement.GetProperty("peers").GetInt32());
        using var sparse = JsonDocument.Parse(lines[1]);
        Assert.Equal(["logged_at", "direction", "ip", "detector", "action", "reason", "detail"], sparse.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_peers_nan_confidence_or_broken_text_is_still_one_valid_line()
    {
        using var dir = new TempDirectory();
        await using var log = NewLog(dir.Path);

        log.Write(Record(NodeHarness.Start, "rejected") with { Confidence = float.NaN, Score = double.PositiveInfinity, Detector = "ssh\ud800x" });
        await log.FlushAsync();

        using var doc = JsonDocument.Parse(Assert.Single(File.ReadAllLines(AuditLog.PathFor(dir.Path, NodeHarness.Start))));
        Assert.Equal("NaN", doc.RootElement.GetProperty("confidence").GetString());
        Assert.Equal("Infinity", doc.RootElement.GetProperty("score").GetString());
        Assert.Equal("ssh\ufffdx", doc.RootElement.GetProperty("detector").GetString());
    }

    [Fact]
    public async Task Lines_written_before_start_reach_the_file_on_dispose_and_later_ones_are_refused()
    {
        using var dir = new TempDirectory();
        var log = NewLog(dir.Path);
        log.Write(Record(NodeHarness.Start, "discarded"));

        await log.DisposeAsync();
        log.Write(Record(NodeHarness.Start, "duplicate"));
        await log.FlushAsync();
        await log.DisposeAsync(); // a second disposal is harmless

        var line = Assert.Single(File.ReadAllLines(AuditLog.PathFor(dir.Path, NodeHarness.Start)));
        Assert.Contains("\"action\":\"discarded\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lines_from_many_threads_arrive_whole_and_each_once()
    {
        using var dir = new TempDirectory();
        await using var log = NewLog(dir.Path);
        log.Start();

        Parallel.For(0, 4_000, i => log.Write(Record(NodeHarness.Start, "discarded") with { Peers = i }));
        await log.FlushAsync();

        var peers = File.ReadAllLines(AuditLog.PathFor(dir.Path, NodeHarness.Start))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("peers").GetInt32()).Order();
        Assert.Equal(Enumerable.Range(0, 4_000), peers);
    }

    // The clock at the records' day: the age bound measures segments against it.
    private static AuditLog NewLog(string directory) =>
        new(directory, AuditOptions.Default, new FakeTimeProvider(NodeHarness.Start), NullLogger.Instance);

    /// <summary>A received signal's line at <paramref name="at"/>, every field set; other audit tests share it.</summary>
    internal static AuditRecord Record(DateTimeOffset at, string action) =>
        new(at, "received", new string('a', 64), "185.220.1.7", "ssh_bruteforce", 0.9f, 3600, new SignalTimestamp(1_774_612_800, 0), "a+b/c==",
            action, "None", null, 0.63, "192.0.2.1:5000", null);
}

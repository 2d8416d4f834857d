using System.Text.Json;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Host.Tests.Audit;

public sealed class AuditLogTests
{
    [Fact]
    public async Task Each_record_is_one_json_line_with_snake_case_fields()
    {
        using var dir = new TempDirectory();
        await using var log = new AuditLog(dir.Path, NullLogger.Instance);
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
        await using var log = new AuditLog(dir.Path, NullLogger.Instance);
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
        await using var log = new AuditLog(blocker, NullLogger.Instance);

        log.Write(Record(NodeHarness.Start, "discarded"));
        await log.FlushAsync();

        Assert.False(Directory.Exists(blocker));
    }

    private static AuditRecord Record(DateTimeOffset at, string action) =>
        new(at, "received", new string('a', 64), "185.220.1.7", "ssh_bruteforce", 0.9f, 3600, "2026-03-27T12:00:00Z", "a+b/c==",
            action, "None", null, 0.63, "192.0.2.1:5000", null);
}

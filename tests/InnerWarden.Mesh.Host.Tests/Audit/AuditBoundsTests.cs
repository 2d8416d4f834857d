using System.Globalization;
using System.Text.Json;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Audit;

/// <summary>Issue 13 item 3: the audit log's size and age bounds, on real files, with a fake clock.</summary>
public sealed class AuditBoundsTests
{
    // 64 KiB in all, segments of 4 KiB: a thousand lines roll through many segments.
    private static readonly AuditOptions Small = new(MaxBytes: AuditOptions.MinMaxBytes);

    [Fact]
    public async Task Past_the_size_bound_the_oldest_segments_go_and_each_segment_holds_whole_lines()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using var log = new AuditLog(dir.Path, Small, time, NullLogger.Instance);
        log.Start();

        await WriteAsync(log, time, from: 0, count: 1_000);

        var files = AuditLog.Files(dir.Path);
        var sizes = files.Select(f => new FileInfo(f).Length).ToList();
        // Whole segments are removed, and only as many as the bound needs.
        Assert.InRange(sizes.Sum(), Small.MaxBytes - Small.SegmentBytes + 1, Small.MaxBytes);
        Assert.All(sizes, size => Assert.InRange(size, 1, Small.SegmentBytes));
        // What is kept is the newest lines, each whole and once: a run that ends with the last one written.
        var kept = Numbers(files);
        Assert.True(kept[0] > 0, "nothing was removed");
        Assert.Equal(Enumerable.Range(kept[0], 1_000 - kept[0]), kept);
        // The day's first segment was the oldest; the rest are numbered on, with nothing missing in between.
        Assert.False(File.Exists(AuditLog.PathFor(dir.Path, NodeHarness.Start)));
        int first = int.Parse(Path.GetFileName(files[0]).Split('.')[1], CultureInfo.InvariantCulture);
        Assert.Equal(Enumerable.Range(first, files.Count).Select(i => $"mesh-signals-2026-03-27.{i}.jsonl"), files.Select(Path.GetFileName));
    }

    [Fact]
    public async Task The_size_bound_counts_the_segments_an_earlier_run_left()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start);
        await using (var before = new AuditLog(dir.Path, Small, time, NullLogger.Instance))
        {
            before.Start();
            await WriteAsync(before, time, from: 0, count: 150);
        }
        long left = AuditLog.Files(dir.Path).Sum(f => new FileInfo(f).Length);
        Assert.InRange(left, Small.MaxBytes / 2, Small.MaxBytes); // the first run alone stayed within the bound

        await using var after = new AuditLog(dir.Path, Small, time, NullLogger.Instance);
        after.Start();
        await WriteAsync(after, time, from: 150, count: 150);

        var files = AuditLog.Files(dir.Path);
        Assert.InRange(files.Sum(f => new FileInfo(f).Length), Small.MaxBytes - Small.SegmentBytes + 1, Small.MaxBytes);
        var kept = Numbers(files);
        Assert.True(kept[0] > 0, "the earlier run's lines were not counted");
        Assert.Equal(Enumerable.Range(kept[0], 300 - kept[0]), kept);
    }

    [Fact]
    public async Task A_segment_goes_once_its_day_ended_longer_ago_than_the_age_bound_also_on_a_quiet_node()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(NodeHarness.Start); // 2026-03-27 12:00 UTC
        File.WriteAllText(dir.File("mesh-signals-notes.jsonl"), "not a segment\n");
        File.WriteAllText(dir.File("other.jsonl"), "not ours\n");
        await using var log = new AuditLog(dir.Path, new AuditOptions(MaxAgeDays: 2), time, NullLogger.Instance);
        log.Start();
        log.Write(AuditLogTests.Record(time.GetUtcNow(), "discarded"));
        await log.FlushAsync();
        var oldDay = AuditLog.PathFor(dir.Path, NodeHarness.Start);

        // The 27th ended at midnight; two days later, at the 30th's midnight, its segment is two days old.
        time.SetUtcNow(new DateTimeOffset(2026, 3, 29, 23, 59, 0, TimeSpan.Zero));
        log.Write(AuditLogTests.Record(time.GetUtcNow(), "discarded"));
        await log.FlushAsync();
        Assert.True(File.Exists(oldDay), "removed before its time");

        // No line and no flush: the writer's once-a-minute wake applies the bound.
        time.Advance(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 200 && File.Exists(oldDay); i++)
        {
            await Task.Delay(50);
        }

        Assert.False(File.Exists(oldDay), "the age bound was not applied");
        Assert.Single(File.ReadAllLines(dir.File("mesh-signals-2026-03-29.jsonl")));
        Assert.True(File.Exists(dir.File("mesh-signals-notes.jsonl")));
        Assert.True(File.Exists(dir.File("other.jsonl")));
    }

    [Theory]
    [InlineData("mesh-signals-2026-03-27.jsonl", true, 0)]
    [InlineData("mesh-signals-2026-03-27.12.jsonl", true, 12)]
    [InlineData("mesh-signals-2026-03-27.0.jsonl", false, 0)]
    [InlineData("mesh-signals-2026-03-27.01.jsonl", false, 0)]
    [InlineData("mesh-signals-2026-13-27.jsonl", false, 0)]
    [InlineData("mesh-signals-notes.jsonl", false, 0)]
    [InlineData("mesh-signals-2026-03-27.jsonl.1", false, 0)]
    public void Only_names_this_writer_gives_are_segments(string name, bool segment, int index)
    {
        Assert.Equal(segment, AuditSegments.TryParse(name, out long day, out int parsed));
        if (segment)
        {
            Assert.Equal(index, parsed);
            Assert.Equal(name, Path.GetFileName(AuditSegments.PathFor("/d", day, parsed)));
        }
    }

    // Lines numbered from..from+count-1 in the Peers field, flushed every 50 so the bound is applied as a running node applies it.
    private static async Task WriteAsync(AuditLog log, FakeTimeProvider time, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            log.Write(AuditLogTests.Record(time.GetUtcNow(), "blocked_full") with { Peers = i });
            if ((i - from) % 50 == 49)
            {
                await log.FlushAsync();
            }
        }
        await log.FlushAsync();
    }

    private static List<int> Numbers(IEnumerable<string> files) =>
        files.SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("peers").GetInt32()).ToList();
}

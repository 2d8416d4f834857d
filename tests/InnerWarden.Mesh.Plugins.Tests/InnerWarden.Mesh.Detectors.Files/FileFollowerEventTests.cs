using System.Collections.Concurrent;
using System.Text;
using InnerWarden.Mesh.Detectors.Files;
using InnerWarden.Mesh.Fixtures.Nats;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.Files;

/// <summary>
/// The follower as the detectors run it (FollowAsync), on a real file in a real directory. The clock is a
/// FakeTimeProvider that the tests never advance, so neither the poll interval nor the backstop can ever fire:
/// every line that arrives was woken by a file event.
/// </summary>
public sealed class FileFollowerEventTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("iw-events-").FullName;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly LogCapture _log = new();
    private Task? _following;

    public FileFollowerEventTests() => _path = Path.Combine(_dir, "auth.log");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_following is not null)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _following);
        }
        _stop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private void StartFollowing(TimeProvider time, string? path = null)
    {
        var follower = new FileFollower(() => path ?? _path, startAtEnd: false, 4096, _log.CreateLogger("follower"));
        _following = Task.Run(async () =>
        {
            using (follower)
            {
                await foreach (var line in follower.FollowAsync(TimeSpan.FromSeconds(1), time, _stop.Token))
                {
                    _lines.Enqueue(line.Text ?? "(too long)");
                }
            }
        });
    }

    // Waits (bounded) until the follower has delivered this many lines in all; never a timing assertion.
    private async Task<string[]> WaitForLinesAsync(int count)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (_lines.Count < count && !_following!.IsCompleted)
        {
            await Task.Delay(5, patience.Token);
        }
        // Give a line read twice the chance to show up.
        await Task.Delay(50, patience.Token);
        return [.. _lines];
    }

    private static FileStream OpenForAppend(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

    private static void Write(FileStream stream, string text)
    {
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush();
    }

    [Fact]
    public async Task Append_is_read_on_its_event_without_the_clock_moving()
    {
        using var writer = OpenForAppend(_path);
        StartFollowing(new FakeTimeProvider());
        Write(writer, "one\n");
        Assert.Equal(["one"], await WaitForLinesAsync(1));
        Write(writer, "two\nthr");
        Write(writer, "ee\n");
        Assert.Equal(["one", "two", "three"], await WaitForLinesAsync(3));
        Assert.Empty(_log.WithId(6906));
    }

    [Fact]
    public async Task Rotation_by_rename_reads_the_rest_of_the_old_file_then_the_new_one()
    {
        var writer = OpenForAppend(_path);
        StartFollowing(new FakeTimeProvider());
        Write(writer, "1\n2\n");
        Assert.Equal(["1", "2"], await WaitForLinesAsync(2));

        // logrotate renames; the writer (syslog before its HUP) still appends to the old file, then reopens.
        File.Move(_path, _path + ".1");
        Write(writer, "3\n4\n");
        await writer.DisposeAsync();
        using var reopened = OpenForAppend(_path);
        Write(reopened, "5\n6\n");

        Assert.Equal(["1", "2", "3", "4", "5", "6"], await WaitForLinesAsync(6));
    }

    [Fact]
    public async Task Truncation_is_read_again_from_the_start()
    {
        using var writer = OpenForAppend(_path);
        StartFollowing(new FakeTimeProvider());
        Write(writer, "a long first line\nanother long line\n");
        Assert.Equal(2, (await WaitForLinesAsync(2)).Length);

        // copytruncate: the same file emptied, then written again.
        using (var truncating = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            truncating.SetLength(0);
        }
        // A writer that opens anew (not the old stream, whose position is past the new end).
        await File.AppendAllTextAsync(_path, "x\n");

        Assert.Equal(["a long first line", "another long line", "x"], await WaitForLinesAsync(3));
    }

    [Fact]
    public async Task Delete_and_recreate_reads_the_new_file_from_its_start()
    {
        await File.WriteAllTextAsync(_path, "old 1\nold 2\n");
        StartFollowing(new FakeTimeProvider());
        Assert.Equal(["old 1", "old 2"], await WaitForLinesAsync(2));

        File.Delete(_path);
        await Task.Delay(20);
        await File.WriteAllTextAsync(_path, "new 1\nnew 2\n");

        Assert.Equal(["old 1", "old 2", "new 1", "new 2"], await WaitForLinesAsync(4));
    }

    [Fact]
    public async Task Burst_of_100k_lines_arrives_complete_in_order_and_once()
    {
        const int Count = 100_000;
        using var writer = OpenForAppend(_path);
        StartFollowing(new FakeTimeProvider());

        // Writes of uneven size, so lines are split across writes (and across the follower's reads).
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, Count).Select(i => $"Failed password for root from 185.220.{i % 256}.{i / 256 % 256} port {i} ssh2\n")));
        var random = new Random(18);
        for (var at = 0; at < text.Length;)
        {
            var size = Math.Min(text.Length - at, random.Next(1, 16 * 1024));
            writer.Write(text, at, size);
            writer.Flush();
            at += size;
        }

        var lines = await WaitForLinesAsync(Count);
        Assert.Equal(Count, lines.Length);
        for (var i = 0; i < Count; i++)
        {
            Assert.EndsWith($" port {i + 1} ssh2", lines[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_events_it_polls_on_the_clock_and_says_so_once()
    {
        // The directory does not exist yet: nothing to watch, so the follower polls every second of its clock.
        var missing = Path.Combine(_dir, "later", "auth.log");
        var time = new FakeTimeProvider();
        StartFollowing(time, missing);
        await Task.Delay(100);
        Directory.CreateDirectory(Path.GetDirectoryName(missing)!);
        await File.WriteAllTextAsync(missing, "polled\n");

        using var patience = new CancellationTokenSource(Patience);
        while (_lines.IsEmpty)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10, patience.Token);
        }
        Assert.Equal(["polled"], [.. _lines]);
        var warning = Assert.Single(_log.WithId(6906));
        Assert.Contains("later", warning, StringComparison.Ordinal);
    }
}

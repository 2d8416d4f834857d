using InnerWarden.Mesh.Detectors.Files;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.Files;

public sealed class FileFollowerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("iw-follow-").FullName;
    private readonly string _path;

    public FileFollowerTests() => _path = Path.Combine(_dir, "auth.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FileFollower Follow(bool startAtEnd = false, int maxLineBytes = 4096) =>
        new(() => _path, startAtEnd, maxLineBytes, NullLogger.Instance);

    private static List<string?> Poll(FileFollower follower)
    {
        var lines = new List<FollowedLine>();
        follower.Poll(lines);
        return lines.Select(l => l.Text).ToList();
    }

    [Fact]
    public void Appended_lines_are_read_once_each()
    {
        File.WriteAllText(_path, "one\ntwo\n");
        using var follower = Follow();
        Assert.Equal(["one", "two"], Poll(follower));
        Assert.Empty(Poll(follower));

        File.AppendAllText(_path, "three\r\n");
        Assert.Equal(["three"], Poll(follower));
    }

    [Fact]
    public void Start_at_end_skips_existing_history()
    {
        File.WriteAllText(_path, "old 1\nold 2\n");
        using var follower = Follow(startAtEnd: true);
        Assert.Empty(Poll(follower));
        File.AppendAllText(_path, "new\n");
        Assert.Equal(["new"], Poll(follower));
    }

    [Fact]
    public void A_file_created_after_start_is_read_from_its_beginning()
    {
        using var follower = Follow(startAtEnd: true);
        Assert.Empty(Poll(follower));
        File.WriteAllText(_path, "first\n");
        Assert.Equal(["first"], Poll(follower));
    }

    [Fact]
    public void Partial_last_line_waits_for_its_newline()
    {
        File.WriteAllText(_path, "complete\nhal");
        using var follower = Follow();
        Assert.Equal(["complete"], Poll(follower));
        File.AppendAllText(_path, "f a li");
        Assert.Empty(Poll(follower));
        File.AppendAllText(_path, "ne\n");
        Assert.Equal(["half a line"], Poll(follower));
    }

    [Fact]
    public void Rotation_by_rename_finishes_the_old_file_then_reads_the_new_one_from_its_start()
    {
        File.WriteAllText(_path, "a\n");
        using var follower = Follow();
        Assert.Equal(["a"], Poll(follower));

        // The writer still had lines for the old file (and no final newline) when logrotate renamed it.
        File.AppendAllText(_path, "b\nc");
        File.Move(_path, _path + ".1");
        Assert.Equal(["b"], Poll(follower));

        File.WriteAllText(_path, "d\ne\n");
        Assert.Equal(["c", "d", "e"], Poll(follower));
        File.AppendAllText(_path, "f\n");
        Assert.Equal(["f"], Poll(follower));
    }

    [Fact]
    public void Rotation_is_detected_by_file_identity_even_when_the_new_file_is_already_longer()
    {
        File.WriteAllText(_path, "a\n");
        using var follower = Follow();
        Assert.Equal(["a"], Poll(follower));

        File.Move(_path, _path + ".1");
        File.WriteAllText(_path, "new file, longer than what was read of the old one\n");
        Assert.Equal(["new file, longer than what was read of the old one"], Poll(follower));
    }

    [Fact]
    public void Truncation_restarts_from_the_beginning()
    {
        File.WriteAllText(_path, "a long first line\nanother long line\n");
        using var follower = Follow();
        Assert.Equal(2, Poll(follower).Count);

        // copytruncate: same file, emptied, then written again.
        using (var stream = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
        }
        File.AppendAllText(_path, "x\n");
        Assert.Equal(["x"], Poll(follower));
    }

    [Fact]
    public void Overlong_line_is_reported_as_skipped_and_following_continues()
    {
        File.WriteAllText(_path, new string('z', 100) + "\nok\n");
        using var follower = Follow(maxLineBytes: 10);
        Assert.Equal([null, "ok"], Poll(follower));
    }

    [Fact]
    public async Task Follow_async_waits_on_the_time_provider_and_picks_up_appends()
    {
        File.WriteAllText(_path, "");
        var time = new FakeTimeProvider();
        using var follower = Follow();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var lines = follower.FollowAsync(TimeSpan.FromSeconds(1), time, cts.Token).GetAsyncEnumerator(cts.Token);

        var next = lines.MoveNextAsync().AsTask();
        File.AppendAllText(_path, "later\n");
        // Drive the poll delay with fake time until the line arrives (bounded by the token above).
        while (!next.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(next, Task.Delay(10, cts.Token));
        }
        Assert.True(await next);
        Assert.Equal("later", lines.Current.Text);
    }
}

using InnerWarden.Mesh.Detectors.Sshd;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.Sshd;

public sealed class SshdDetectionSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("iw-sshd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Brute_force_in_a_real_auth_log_becomes_one_detection()
    {
        var path = Path.Combine(_dir, "auth.log");
        var lines = Enumerable.Range(0, 5)
            .Select(i => $"2026-03-27T12:34:5{i}.123456+00:00 web-01 sshd-session[{100 + i}]: Failed password for root from 203.0.113.9 port {50000 + i} ssh2")
            .Prepend("Mar 27 12:34:50 web-01 CRON[1]: pam_unix(cron:session): session opened for user root")
            .Append("Mar 27 12:34:59 web-01 sshd[2]: Accepted password for alice from 198.51.100.1 port 40000 ssh2");
        File.WriteAllLines(path, lines);
        var options = SshdOptions.Parse(new Dictionary<string, string> { ["log_path"] = path, ["start_at"] = "beginning" });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 27, 12, 35, 0, TimeSpan.Zero));
        var source = new SshdDetectionSource(options, time, NullLogger<SshdDetectionSource>.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await using var detections = source.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await detections.MoveNextAsync());

        Assert.Equal("203.0.113.9", detections.Current.Ip.ToString());
        Assert.Equal("ssh_bruteforce", detections.Current.Detector);
        Assert.Equal(0.92f, detections.Current.Confidence); // base_confidence default: the seed's SSH brute force
        Assert.Equal(time.GetUtcNow(), detections.Current.ObservedAt);
    }

    [Theory]
    [InlineData("max_failures", "0")]
    [InlineData("max_failures", "five")]
    [InlineData("window_secs", "-1")]
    [InlineData("start_at", "middle")]
    public void Bad_setting_is_rejected_naming_the_key_and_value(string key, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => SshdOptions.Parse(new Dictionary<string, string> { [key] = value }));
        Assert.Contains($"sshd.{key}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_log_path_is_the_first_existing_auth_log_else_journald()
    {
        var none = new Dictionary<string, string>();
        Assert.Equal("/var/log/secure", SshdOptions.Parse(none, p => p == "/var/log/secure").LogPath);
        Assert.Equal("/var/log/auth.log", SshdOptions.Parse(none, _ => true).LogPath);
        Assert.Null(SshdOptions.Parse(none, _ => false).LogPath);
        var defaults = SshdOptions.Parse(none, _ => false);
        Assert.Equal((5, TimeSpan.FromSeconds(300), true), (defaults.MaxFailures, defaults.Window, defaults.StartAtEnd));
    }

    [Fact]
    public void Journald_message_field_is_read_as_string_or_bytes()
    {
        Assert.True(global::InnerWarden.Mesh.Detectors.Sshd.Following.JournalctlReader.TryGetMessage(
            """{"MESSAGE":"Failed password for root from 203.0.113.9 port 1 ssh2","_PID":"1"}""", out var message));
        Assert.Equal("Failed password for root from 203.0.113.9 port 1 ssh2", message);
        Assert.True(global::InnerWarden.Mesh.Detectors.Sshd.Following.JournalctlReader.TryGetMessage("""{"MESSAGE":[104,105]}""", out message));
        Assert.Equal("hi", message);
        Assert.False(global::InnerWarden.Mesh.Detectors.Sshd.Following.JournalctlReader.TryGetMessage("not json", out _));
    }
}

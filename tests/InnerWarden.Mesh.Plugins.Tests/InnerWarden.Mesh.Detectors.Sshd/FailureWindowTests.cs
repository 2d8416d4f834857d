using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Detectors.Sshd;
using InnerWarden.Mesh.Detectors.Sshd.Counting;
using InnerWarden.Mesh.Detectors.Sshd.Parsing;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.Sshd;

public sealed class FailureWindowTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(300);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));

    private static string FailedPassword(string ip, int port) => $"Failed password for root from {ip} port {port} ssh2";

    private Detection? Feed(FailureWindow window, string line)
    {
        Assert.True(SshdLineParser.TryParse(line, out var parsed), line);
        return window.Record(parsed, line, _time.GetUtcNow());
    }

    [Fact]
    public void Detection_is_emitted_exactly_when_the_count_reaches_max_failures()
    {
        var window = new FailureWindow(5, Window);
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(Feed(window, FailedPassword("185.220.1.7", 40000 + i)));
        }
        var detection = Feed(window, FailedPassword("185.220.1.7", 40004));

        Assert.NotNull(detection);
        Assert.Equal(IPAddress.Parse("185.220.1.7"), detection.Ip);
        Assert.Equal("ssh_bruteforce", detection.Detector);
        Assert.Equal(0.6f, detection.Confidence);
        Assert.Equal(_time.GetUtcNow(), detection.ObservedAt);
        Assert.Contains("port 40004", detection.Evidence, StringComparison.Ordinal);
        Assert.Equal(5, detection.Evidence.Split('\n').Length);
    }

    [Fact]
    public void Failures_older_than_the_window_no_longer_count()
    {
        var window = new FailureWindow(5, Window);
        for (var i = 0; i < 4; i++)
        {
            Feed(window, FailedPassword("185.220.1.7", 40000 + i));
        }
        _time.Advance(Window + TimeSpan.FromSeconds(1));

        Assert.Null(Feed(window, FailedPassword("185.220.1.7", 40010)));
    }

    [Fact]
    public void Continued_attack_does_not_flood_but_reports_rising_confidence_bands_and_again_after_a_window()
    {
        var window = new FailureWindow(5, Window);
        var emitted = new List<Detection>();
        for (var i = 0; i < 30; i++)
        {
            if (Feed(window, FailedPassword("185.220.1.7", 40000 + i)) is { } d)
            {
                emitted.Add(d);
            }
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Reported at the threshold and at each new tenth: 5 -> 0.60, 8 -> 0.73, 11 -> 0.82, 16 -> 0.91; nothing else in the window.
        Assert.Equal(
            [FailureWindow.ConfidenceFor(5, 5), FailureWindow.ConfidenceFor(8, 5), FailureWindow.ConfidenceFor(11, 5), FailureWindow.ConfidenceFor(16, 5)],
            emitted.Select(d => d.Confidence).ToArray());
        Assert.Equal([6, 7, 8, 9], emitted.Select(d => (int)(d.Confidence * 10)).ToArray());
        Assert.True(emitted.Zip(emitted.Skip(1)).All(p => p.Second.Confidence > p.First.Confidence));

        // A window after the last report the attack is still going: one more report.
        _time.Advance(Window);
        var later = new List<Detection>();
        for (var i = 0; i < 5; i++)
        {
            if (Feed(window, FailedPassword("185.220.1.7", 41000 + i)) is { } d)
            {
                later.Add(d);
            }
        }
        Assert.Single(later);
    }

    [Fact]
    public void Confidence_grows_with_count_toward_but_never_past_the_ceiling()
    {
        Assert.Equal(0f, FailureWindow.ConfidenceFor(4, 5));
        Assert.Equal(0.6f, FailureWindow.ConfidenceFor(5, 5));
        var previous = 0.6f;
        for (var n = 6; n <= 256; n++)
        {
            var c = FailureWindow.ConfidenceFor(n, 5);
            Assert.True(c >= previous && c <= 0.99f, $"n={n} c={c}");
            previous = c;
        }
        Assert.True(previous > 0.98f);
    }

    [Fact]
    public void A_failed_password_and_its_pam_lines_count_once()
    {
        var window = new FailureWindow(2, Window);
        const string ip = "185.220.1.7";
        Assert.Null(Feed(window, $"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root"));
        Assert.Null(Feed(window, $"PAM: Authentication failure for root from {ip}"));
        Assert.Null(Feed(window, FailedPassword(ip, 50022)));
        Assert.Null(Feed(window, $"Connection closed by authenticating user root {ip} port 50022 [preauth]"));

        Assert.NotNull(Feed(window, FailedPassword(ip, 50023)));
    }

    [Fact]
    public void A_connection_counts_max_of_one_and_its_credential_failures()
    {
        var window = new FailureWindow(3, Window);
        const string ip = "185.220.1.7";
        // Connection 1: invalid user then two passwords then the close: counts 2.
        Assert.Null(Feed(window, $"Invalid user admin from {ip} port 50022"));
        Assert.Null(Feed(window, $"Failed password for invalid user admin from {ip} port 50022 ssh2"));
        Assert.Null(Feed(window, $"Failed password for invalid user admin from {ip} port 50022 ssh2"));
        Assert.Null(Feed(window, $"Connection closed by invalid user admin {ip} port 50022 [preauth]"));
        // Connection 2: an invalid user probe with no password at all still counts 1 -> 3.
        var detection = Feed(window, $"Invalid user test from {ip} port 50030");
        Assert.NotNull(detection);
        Assert.Equal(FailureWindow.ConfidenceFor(3, 3), detection.Confidence);
    }

    [Fact]
    public void Probe_connections_without_credentials_count_once_each()
    {
        var window = new FailureWindow(3, Window);
        const string ip = "185.220.1.7";
        Assert.Null(Feed(window, $"Invalid user a from {ip} port 1"));
        Assert.Null(Feed(window, $"Connection closed by invalid user a {ip} port 1 [preauth]"));
        Assert.Null(Feed(window, $"Timeout before authentication for {ip} port 2"));
        Assert.NotNull(Feed(window, $"Unable to negotiate with {ip} port 3: no matching key exchange method found."));
    }

    [Fact]
    public void Accepted_logins_and_port_probes_never_count()
    {
        var window = new FailureWindow(1, Window);
        Assert.Null(Feed(window, "Accepted password for alice from 185.220.1.7 port 50022 ssh2"));
        Assert.Null(Feed(window, "Connection closed by 185.220.1.7 port 50022 [preauth]"));
        Assert.Null(Feed(window, "Received disconnect from 185.220.1.7 port 50022:11: Bye Bye [preauth]"));
        Assert.Equal(0, window.TrackedCount);
    }

    [Fact]
    public void Addresses_are_counted_separately_for_IPv4_and_IPv6()
    {
        var window = new FailureWindow(2, Window);
        Assert.Null(Feed(window, FailedPassword("185.220.1.7", 1)));
        Assert.Null(Feed(window, FailedPassword("2001:470::7", 1)));
        var v6 = Feed(window, FailedPassword("2001:470::7", 2));
        Assert.NotNull(v6);
        Assert.Equal(IPAddress.Parse("2001:470::7"), v6.Ip);
        // The IPv4-mapped form is the same attacker as the IPv4 one.
        var v4 = Feed(window, FailedPassword("::ffff:185.220.1.7", 2));
        Assert.NotNull(v4);
        Assert.Equal(IPAddress.Parse("185.220.1.7"), v4.Ip);
    }

    [Fact]
    public void Tracked_addresses_are_bounded_and_the_least_recent_is_evicted()
    {
        var window = new FailureWindow(2, Window, maxTrackedIps: 3);
        Feed(window, FailedPassword("198.51.100.1", 1));
        Feed(window, FailedPassword("198.51.100.2", 1));
        Feed(window, FailedPassword("198.51.100.3", 1));
        Feed(window, FailedPassword("198.51.100.4", 1));

        Assert.Equal(3, window.TrackedCount);
        // .1 was evicted, so its second failure starts a new count; .4 is still tracked and reaches the threshold.
        Assert.Null(Feed(window, FailedPassword("198.51.100.1", 2)));
        Assert.NotNull(Feed(window, FailedPassword("198.51.100.4", 2)));
    }

    [Fact]
    public void Base_confidence_sets_the_confidence_at_the_threshold_and_still_grows()
    {
        Assert.Equal(0.92f, FailureWindow.ConfidenceFor(5, 5, 0.92));
        Assert.True(FailureWindow.ConfidenceFor(10, 5, 0.92) > 0.92f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FailureWindow(5, Window, floorConfidence: 1.5));
    }

    [Theory]
    [InlineData("0.92", 0.92)]
    [InlineData("0.6", 0.6)]
    public void Base_confidence_setting_is_read(string text, double expected) =>
        Assert.Equal(expected, SshdOptions.Parse(new Dictionary<string, string> { ["base_confidence"] = text, ["log_path"] = "/x" }).BaseConfidence);

    [Theory]
    [InlineData("1.2")]
    [InlineData("high")]
    [InlineData("0")]
    public void Bad_base_confidence_names_the_setting(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => SshdOptions.Parse(new Dictionary<string, string> { ["base_confidence"] = text, ["log_path"] = "/x" }));
        Assert.Equal($"plugin_settings.sshd.base_confidence: expected a number from 0.05 to 0.99, got '{text}'", e.Message);
    }
}

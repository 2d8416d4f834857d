using System.Net;
using InnerWarden.Mesh.Detectors.Sshd.Counting;
using InnerWarden.Mesh.Detectors.Sshd.Parsing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.Sshd;

/// <summary>
/// Lines a real sshd sent to the syslog socket (Fixtures/, captured with tests/fixtures/sshd/capture-syslog.sh:
/// wrong passwords for an invalid user until MaxAuthTries, a wrong password for root, an unauthorized key, an HTTP
/// request), as the datagram arrived and as a syslog daemon writes it to auth.log (host name inserted).
/// </summary>
public sealed class SyslogCaptureTests
{
    private static readonly string CapturePath = Path.Combine(AppContext.BaseDirectory, "InnerWarden.Mesh.Detectors.Sshd", "Fixtures", "openssh-9.2p1-debian12-syslog.txt");

    private static string[] Datagrams() => File.ReadAllLines(CapturePath);

    // "<38>Dec  3 14:25:14 sshd[12951]: msg" -> "Dec  3 14:25:14 web-01 sshd[12951]: msg" (rsyslog's file format).
    private static string AsAuthLogLine(string datagram)
    {
        var body = datagram[(datagram.IndexOf('>', StringComparison.Ordinal) + 1)..];
        return string.Concat(body.AsSpan(0, 16), "web-01 ", body.AsSpan(16));
    }

    [Fact]
    public void Every_failure_line_of_the_capture_is_recognised_in_both_forms()
    {
        var datagrams = Datagrams();
        Assert.Equal(11, datagrams.Length);
        foreach (var datagram in datagrams)
        {
            var message = SshdLineParser.StripSyslogHeader(AsAuthLogLine(datagram)).ToString();
            var recognised = SshdLineParser.TryParse(datagram, out var fromDatagram);
            Assert.Equal(recognised, SshdLineParser.TryParse(AsAuthLogLine(datagram), out var fromFile));
            Assert.Equal(fromDatagram, fromFile);
            // What sshd writes besides its failures: the shadow lookup for an unknown user and the raw banner error.
            var expected = !message.StartsWith("error: Could not get shadow", StringComparison.Ordinal)
                && !message.StartsWith("error: kex_exchange_identification", StringComparison.Ordinal);
            Assert.True(expected == recognised, datagram);
            if (recognised)
            {
                Assert.Equal(IPAddress.Loopback, fromDatagram.Ip);
                Assert.InRange(fromDatagram.Port, 1, 65535);
            }
        }
    }

    [Fact]
    public void The_capture_counts_each_rejected_credential_and_each_failed_connection_once()
    {
        // Two wrong passwords on one connection (2), one on another (1), an unauthorized key (1), a non-SSH client
        // (1): five, so the detection comes on the capture's last line and not before.
        var window = new FailureWindow(5, TimeSpan.FromMinutes(5));
        var now = new DateTimeOffset(2026, 12, 3, 14, 25, 14, TimeSpan.Zero);
        var datagrams = Datagrams();
        for (var i = 0; i < datagrams.Length; i++)
        {
            var line = AsAuthLogLine(datagrams[i]);
            if (!SshdLineParser.TryParse(line, out var parsed))
            {
                continue;
            }
            var detection = window.Record(parsed, line, now);
            Assert.True((detection is not null) == (i == datagrams.Length - 1), line);
        }
    }
}

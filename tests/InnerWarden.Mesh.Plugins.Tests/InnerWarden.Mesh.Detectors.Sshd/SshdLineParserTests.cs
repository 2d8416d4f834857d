using System.Net;
using InnerWarden.Mesh.Detectors.Sshd.Parsing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.Sshd;

public sealed class SshdLineParserTests
{
    private const string Ip = "185.220.1.7";

    // Kinds are passed by name: the enum is internal to the plugin and theory parameters must be public types.
    // Bare messages as sshd -E / journald MESSAGE write them, with what they mean for counting.
    public static TheoryData<string, string, string, int> RealMessages => new()
    {
        { "Failed password for root from 185.220.1.7 port 50022 ssh2", nameof(SshdEventKind.CredentialFailure), Ip, 50022 },
        { "Failed password for invalid user admin from 185.220.1.7 port 50022 ssh2", nameof(SshdEventKind.CredentialFailure), Ip, 50022 },
        { "Invalid user admin from 185.220.1.7 port 50022", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Failed publickey for root from 2001:470::7 port 50022 ssh2: ED25519 SHA256:Ue9f8VZ7n0C2cJxN0vJbO1o1vZkqk3n3GzQk3v3x8Yc", nameof(SshdEventKind.CredentialFailure), "2001:470::7", 50022 },
        { "Failed keyboard-interactive/pam for invalid user oracle from 185.220.1.7 port 50022 ssh2", nameof(SshdEventKind.CredentialFailure), Ip, 50022 },
        { "Failed none for invalid user admin from 185.220.1.7 port 50022 ssh2", nameof(SshdEventKind.Related), Ip, 50022 },
        { "Connection closed by authenticating user root 185.220.1.7 port 50022 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Connection closed by invalid user admin 185.220.1.7 port 50022 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Connection closed by 185.220.1.7 port 50022 [preauth]", nameof(SshdEventKind.Related), Ip, 50022 },
        { "Connection reset by authenticating user root 185.220.1.7 port 50022 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Disconnected from authenticating user root 185.220.1.7 port 50022 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Disconnected from invalid user admin 185.220.1.7 port 50022 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Disconnected from user root 185.220.1.7 port 50022", nameof(SshdEventKind.Related), Ip, 50022 },
        { "Received disconnect from 185.220.1.7 port 50022:11: Bye Bye [preauth]", nameof(SshdEventKind.Related), Ip, 50022 },
        { "error: maximum authentication attempts exceeded for root from 185.220.1.7 port 50022 ssh2 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "error: maximum authentication attempts exceeded for invalid user admin from 185.220.1.7 port 50022 ssh2 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Disconnecting authenticating user root 185.220.1.7 port 50022: Too many authentication failures [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Disconnecting invalid user admin 185.220.1.7 port 50022: Too many authentication failures [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "User root from 185.220.1.7 not allowed because not listed in AllowUsers", nameof(SshdEventKind.Related), Ip, -1 },
        { "banner exchange: Connection from 185.220.1.7 port 50022: invalid format", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "Unable to negotiate with 185.220.1.7 port 50022: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "PAM: Authentication failure for root from 185.220.1.7", nameof(SshdEventKind.Related), Ip, -1 },
        { "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=185.220.1.7  user=root", nameof(SshdEventKind.Related), Ip, -1 },
        { "Timeout before authentication for 185.220.1.7 port 50022", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        // OpenSSH < 9.8 through syslog: the level prefix comes first. Debian 12's 9.2p1 (CVE-2024-6387 fix) no longer
        // writes it, so there is no capture of it here (tests/fixtures/sshd/capture-syslog.sh shows the idle
        // connection logs nothing); the text is sshd's format string with its "fatal" level.
        { "fatal: Timeout before authentication for 185.220.1.7 port 50022", nameof(SshdEventKind.ConnectionFailure), Ip, 50022 },
        { "fatal: Timeout before authentication for 2001:470::7 port 50022", nameof(SshdEventKind.ConnectionFailure), "2001:470::7", 50022 },
        // OpenSSH >= 9.8 logs it from the listener, without the client's port (no sshd >= 9.8 is packaged for this
        // Debian, so this is the format string of sshd.c as 9.8-10.x write it).
        { "Timeout before authentication for connection from 185.220.1.7 to 198.51.100.87, pid = 1152348", nameof(SshdEventKind.ConnectionFailure), Ip, -1 },
        { "Timeout before authentication for connection from 2001:470::7 to 2001:db8::1, pid = 77", nameof(SshdEventKind.ConnectionFailure), "2001:470::7", -1 },
        { "Accepted password for alice from 185.220.1.7 port 50022 ssh2", nameof(SshdEventKind.Accepted), Ip, 50022 },
        { "Accepted publickey for alice from 2001:470::7 port 50022 ssh2: ED25519 SHA256:abc", nameof(SshdEventKind.Accepted), "2001:470::7", 50022 },
        { "Failed password for root from ::ffff:185.220.1.7 port 50022 ssh2", nameof(SshdEventKind.CredentialFailure), Ip, 50022 },
    };

    [Theory]
    [MemberData(nameof(RealMessages))]
    public void Bare_sshd_message_is_recognised_with_address_and_port(string line, string kind, string ip, int port)
    {
        Assert.True(SshdLineParser.TryParse(line, out var parsed));
        Assert.Equal(new SshdEvent(Enum.Parse<SshdEventKind>(kind), IPAddress.Parse(ip), port), parsed);
    }

    [Theory]
    [MemberData(nameof(RealMessages))]
    public void Same_message_behind_every_syslog_prefix_parses_the_same(string line, string kind, string ip, int port)
    {
        string[] prefixes =
        [
            "Mar 27 12:34:56 web-01 sshd[1234]: ",
            "Mar  7 02:04:06 web-01 sshd[1234]: ",
            "2026-03-27T12:34:56.123456+00:00 web-01 sshd[1234]: ",
            "2026-03-27T12:34:56.123456+00:00 web-01 sshd-session[98765]: ",
            "Mar 27 12:34:56 web-01 sshd: ",
        ];
        foreach (var prefix in prefixes)
        {
            Assert.True(SshdLineParser.TryParse(prefix + line, out var parsed), prefix + line);
            Assert.Equal(new SshdEvent(Enum.Parse<SshdEventKind>(kind), IPAddress.Parse(ip), port), parsed);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage \u0001\u0002 not a log line")]
    [InlineData("Mar 27 12:34:56 web-01 CRON[555]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")]
    [InlineData("Mar 27 12:34:56 web-01 sudo[555]: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob")]
    [InlineData("Mar 27 12:34:56 web-01 su[555]: FAILED SU (to root) bob on pts/0")]
    [InlineData("Mar 27 12:34:56 web-01 systemd-logind[555]: New session 42 of user root.")]
    [InlineData("Mar 27 12:34:56 web-01 sshd[1234]: Server listening on 0.0.0.0 port 22.")]
    [InlineData("Mar 27 12:34:56 web-01 sshd[1234]: pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)")]
    [InlineData("Mar 27 12:34:56 web-01 notsshd[1234]: Failed password for root from 185.220.1.7 port 50022 ssh2")]
    [InlineData("Failed password for root from not-an-address port 50022 ssh2")]
    [InlineData("Failed password for root from 999.220.1.7 port 50022 ssh2")]
    [InlineData("PAM: Authentication failure for root from attacker.example.com")]
    [InlineData("Invalid user")]
    [InlineData("Timeout before authentication for connection from nobody to 198.51.100.87, pid = 1")]
    [InlineData("Mar 27 12:34:56 web-01 sshd[1234]: fatal: Timeout before authentication")]
    [InlineData("Mar 27 12:34:56 web-01 sshd[1234]: error: Could not get shadow information for NOUSER")]
    public void Lines_that_are_not_sshd_failures_are_rejected(string line)
    {
        Assert.False(SshdLineParser.TryParse(line, out _), line);
    }

    [Fact]
    public void Very_long_line_is_rejected_without_parsing()
    {
        var line = "Failed password for " + new string('a', 10_000) + " from 185.220.1.7 port 50022 ssh2";
        Assert.False(SshdLineParser.TryParse(line, out _));
    }

    [Fact]
    public void Attacker_chosen_user_name_cannot_blame_another_address()
    {
        const string line = "Failed password for invalid user x from 1.1.1.1 port 22 ssh2 from 185.220.1.7 port 50022 ssh2";
        Assert.True(SshdLineParser.TryParse(line, out var parsed));
        Assert.Equal(IPAddress.Parse(Ip), parsed.Ip);

        const string closed = "Connection closed by invalid user 1.1.1.1 port 22 185.220.1.7 port 50022 [preauth]";
        Assert.True(SshdLineParser.TryParse(closed, out parsed));
        Assert.Equal(IPAddress.Parse(Ip), parsed.Ip);
    }
}

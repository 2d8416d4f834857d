using System.Globalization;
using System.Text;

namespace InnerWarden.Mesh.Benchmarks.Ingest;

/// <summary>
/// Writes a realistic auth.log: about 45% sshd failure forms (every form the parser knows, from a few thousand
/// attacker addresses, IPv4 and IPv6), 5% successful logins and 50% other daemons' noise, behind the syslog
/// prefixes distributions use (classic, RFC 3339, sshd-session).
/// </summary>
internal static class AuthLogGenerator
{
    private static readonly string[] FailureForms =
    [
        "Failed password for root from {0} port {1} ssh2",
        "Failed password for invalid user admin from {0} port {1} ssh2",
        "Invalid user admin from {0} port {1}",
        "Failed publickey for root from {0} port {1} ssh2: ED25519 SHA256:Ue9f8VZ7n0C2cJxN0vJbO1o1vZkqk3n3GzQk3v3x8Yc",
        "Connection closed by authenticating user root {0} port {1} [preauth]",
        "Connection closed by invalid user admin {0} port {1} [preauth]",
        "Disconnected from authenticating user root {0} port {1} [preauth]",
        "Disconnected from invalid user admin {0} port {1} [preauth]",
        "Received disconnect from {0} port {1}:11: Bye Bye [preauth]",
        "error: maximum authentication attempts exceeded for root from {0} port {1} ssh2 [preauth]",
        "Disconnecting authenticating user root {0} port {1}: Too many authentication failures [preauth]",
        "User root from {0} not allowed because not listed in AllowUsers",
        "banner exchange: Connection from {0} port {1}: invalid format",
        "Unable to negotiate with {0} port {1}: no matching key exchange method found",
        "PAM: Authentication failure for root from {0}",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={0}  user=root",
        "Timeout before authentication for {0} port {1}",
    ];

    private static readonly string[] Noise =
    [
        "CRON[{2}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        "CRON[{2}]: pam_unix(cron:session): session closed for user root",
        "systemd-logind[{2}]: New session 4242 of user alice.",
        "sudo[{2}]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl status nginx",
        "sshd[{2}]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
        "sshd[{2}]: Server listening on 0.0.0.0 port 22.",
        "systemd[1]: Started session-4242.scope - Session 4242 of User alice.",
    ];

    public static void Write(string path, int lines, int seed = 42)
    {
        var random = new Random(seed);
        var start = new DateTime(2026, 3, 27, 0, 0, 0, DateTimeKind.Utc);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
        for (var i = 0; i < lines; i++)
        {
            var at = start.AddMilliseconds(i * 10);
            var pid = 1000 + random.Next(60000);
            var roll = random.Next(100);
            string body;
            if (roll < 50)
            {
                body = string.Format(CultureInfo.InvariantCulture, Noise[random.Next(Noise.Length)], "", "", pid);
                writer.Write(at.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture));
                writer.Write(" web-01 ");
                writer.Write(body);
                writer.Write('\n');
                continue;
            }
            var ip = AttackerAddress(random);
            var port = 1024 + random.Next(64000);
            body = roll < 55
                ? string.Format(CultureInfo.InvariantCulture, "Accepted publickey for alice from {0} port {1} ssh2: ED25519 SHA256:abc", ip, port)
                : string.Format(CultureInfo.InvariantCulture, FailureForms[random.Next(FailureForms.Length)], ip, port);
            switch (random.Next(3))
            {
                case 0:
                    writer.Write(at.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture));
                    writer.Write(" web-01 sshd[");
                    break;
                case 1:
                    writer.Write(at.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture));
                    writer.Write(" web-01 sshd[");
                    break;
                default:
                    writer.Write(at.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture));
                    writer.Write(" web-01 sshd-session[");
                    break;
            }
            writer.Write(pid.ToString(CultureInfo.InvariantCulture));
            writer.Write("]: ");
            writer.Write(body);
            writer.Write('\n');
        }
    }

    // A few thousand attackers, one in five over IPv6.
    private static string AttackerAddress(Random random)
    {
        var n = random.Next(5000);
        return n % 5 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"2001:470:{n:x}::{random.Next(16):x}")
            : string.Create(CultureInfo.InvariantCulture, $"185.{220 + (n % 30)}.{n / 30 % 256}.{1 + (n % 250)}");
    }
}

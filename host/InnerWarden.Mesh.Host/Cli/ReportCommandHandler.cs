using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Validation;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden mesh report IP --detector NAME [--confidence C] [--evidence TEXT]</c>: hands a detection to the
/// running agent through the local-report plugin's Unix socket (<c>&lt;data_dir&gt;/mesh-report.sock</c>), so
/// fail2ban, CrowdSec or a script can feed the mesh. Arguments are checked here first so a typo gets a clear message
/// without an agent round trip; the agent validates again.
/// </summary>
internal static class ReportCommandHandler
{
    /// <summary>Exit code: the agent accepted the detection.</summary>
    public const int Ok = 0;

    /// <summary>Exit code: the agent is not running, not reachable, or refused the report.</summary>
    public const int AgentUnavailable = 1;

    /// <summary>Exit code: the arguments are invalid.</summary>
    public const int BadArguments = 2;

    /// <summary>The socket's file name in the data directory (the local-report plugin's default).</summary>
    public const string SocketFileName = "mesh-report.sock";

    private const int MaxEvidenceBytes = 64 * 1024;
    private const int MaxReplyBytes = 64 * 1024;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends one report; returns the process exit code. An address the mesh never blocks (<paramref name="neverBlocked"/>:
    /// non-public ranges, the allowlist, this machine's and the configured peers' addresses; non-public ranges alone when
    /// null) is not sent: one line says so and the exit code is 0, because the caller (fail2ban) did nothing wrong and
    /// its own ban stands; an exit code other than 0 would be shown as a failed action.
    /// </summary>
    public static async Task<int> RunAsync(string dataDirectory, string ip, string detector, float? confidence, string? evidence,
        TextWriter stdout, TextWriter stderr, CancellationToken ct, AddressPolicy? neverBlocked = null)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (Validate(ip, detector, confidence, evidence) is { } problem)
        {
            await stderr.WriteLineAsync($"innerwarden mesh report: {problem}").ConfigureAwait(false);
            return BadArguments;
        }
        if (!IpAddressText.TryParse(ip, out var address, out _))
        {
            return BadArguments; // Validate said why
        }
        var verdict = (neverBlocked ?? new AddressPolicy([], () => [])).Classify(address);
        if (!verdict.IsBlockable)
        {
            await stdout.WriteLineAsync($"innerwarden mesh report: not reported: {ip} is {Why(verdict)}, which the mesh never blocks (a ban by the caller itself is unaffected)")
                .ConfigureAwait(false);
            return Ok;
        }
        var socketPath = Path.Combine(dataDirectory, SocketFileName);
        var request = BuildRequest(ip, detector, confidence, evidence);
        string reply;
        try
        {
            reply = await ExchangeAsync(socketPath, request, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            if (ct.IsCancellationRequested)
            {
                throw;
            }
            await stderr.WriteLineAsync(
                $"innerwarden mesh report: cannot reach the agent at {socketPath} ({ex.Message}). " +
                "Is the agent running (systemctl start innerwarden-agent) with the local-report detector enabled, and is this the data_dir it uses?")
                .ConfigureAwait(false);
            return AgentUnavailable;
        }
        return await InterpretReplyAsync(reply, ip, detector, stdout, stderr).ConfigureAwait(false);
    }

    /// <summary>Null when the arguments are usable, else what is wrong with which one.</summary>
    internal static string? Validate(string ip, string detector, float? confidence, string? evidence)
    {
        if (!IpAddressText.TryParse(ip, out _, out var addressError))
        {
            // The parser's reason quotes the text: "IP '1.2.3.04' is not an IPv4 address (...)".
            return string.IsNullOrEmpty(ip) ? "IP is empty" : "IP " + addressError;
        }
        if (string.IsNullOrEmpty(detector) || detector.Length > 64 || !detector.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-'))
        {
            return $"--detector '{detector}' must be 1-64 characters of letters, digits and _ . : -";
        }
        if (confidence is { } c && (!float.IsFinite(c) || c < 0f || c > 1f))
        {
            return $"--confidence '{c.ToString(CultureInfo.InvariantCulture)}' must be a number from 0 to 1";
        }
        if (evidence is not null && Encoding.UTF8.GetByteCount(evidence) > MaxEvidenceBytes)
        {
            return $"--evidence is {Encoding.UTF8.GetByteCount(evidence)} bytes; at most {MaxEvidenceBytes} are accepted";
        }
        return null;
    }

    private static string Why(AddressVerdict verdict) => verdict.Reason == RejectReason.PrivateIp ? $"in {verdict.Detail}" : $"on the never-block list ({verdict.Detail})";

    private static byte[] BuildRequest(string ip, string detector, float? confidence, string? evidence)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("ip", ip);
            json.WriteString("detector", detector);
            if (confidence is { } c)
            {
                json.WriteNumber("confidence", c);
            }
            if (evidence is not null)
            {
                json.WriteString("evidence", evidence);
            }
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static async Task<string> ExchangeAsync(string socketPath, byte[] request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ReplyTimeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token).ConfigureAwait(false);
        await socket.SendAsync(request, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
        var reply = new byte[MaxReplyBytes];
        var length = 0;
        while (length < reply.Length)
        {
            var read = await socket.ReceiveAsync(reply.AsMemory(length), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            length += read;
        }
        return Encoding.UTF8.GetString(reply, 0, length);
    }

    private static async Task<int> InterpretReplyAsync(string reply, string ip, string detector, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            using var doc = JsonDocument.Parse(reply);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ok", out var ok))
            {
                if (ok.ValueKind == JsonValueKind.True)
                {
                    await stdout.WriteLineAsync($"reported {ip} ({detector}) to the agent").ConfigureAwait(false);
                    return Ok;
                }
                var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : "no reason given";
                await stderr.WriteLineAsync($"innerwarden mesh report: the agent refused the report: {error}").ConfigureAwait(false);
                return AgentUnavailable;
            }
        }
        catch (JsonException)
        {
            // Fall through: not the local-report protocol.
        }
        await stderr.WriteLineAsync("innerwarden mesh report: the agent sent an unreadable reply; is the socket path really the agent's report socket?").ConfigureAwait(false);
        return AgentUnavailable;
    }
}

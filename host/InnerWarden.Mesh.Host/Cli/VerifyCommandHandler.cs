using System.Text;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.Host.Validation;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden mesh verify FILE|-</c>: checks one signal in the original's JSON form and explains the verdict.
/// Exit 0 when the signature and every field are valid, 1 when not, 2 when the input cannot be read or parsed.
/// Freshness is reported but never fails: audited signals are old by nature.
/// </summary>
internal static class VerifyCommandHandler
{
    /// <summary>Largest input read; a signal is well under 1 KiB.</summary>
    public const int MaxInputBytes = 64 * 1024;

    /// <summary>Exit code: valid.</summary>
    public const int ExitValid = 0;

    /// <summary>Exit code: parsed, but invalid.</summary>
    public const int ExitInvalid = 1;

    /// <summary>Exit code: unreadable or unparseable input.</summary>
    public const int ExitUnreadable = 2;

    /// <summary>Verifies the signal in file <paramref name="pathOrDash"/> (or stdin for <c>-</c>), printing a report.</summary>
    public static int Run(string pathOrDash, TextReader stdin, TextWriter stdout, TextWriter stderr, TimeProvider time, bool json = false)
    {
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(time);
        string source = pathOrDash == "-" ? "stdin" : pathOrDash;
        if (!TryRead(pathOrDash, stdin, out var bytes, out var readError))
        {
            stderr.WriteLine($"innerwarden mesh verify: cannot read {source}: {readError}");
            return ExitUnreadable;
        }
        var parsed = ThreatSignalJson.Parse(bytes);
        if (parsed.Signal is not { } signal)
        {
            stderr.WriteLine($"innerwarden mesh verify: {source} is not a signal: {parsed.Error}");
            return ExitUnreadable;
        }

        // Judge the signal as any node would, minus what is particular to this node (allowlist, own addresses).
        var validator = new SignalValidator(new AddressPolicy([], static () => []), time);
        var checks = new List<Check>
        {
            new("fields", SignalValidator.CheckFormat(signal)),
            new("confidence", SignalValidator.CheckConfidence(signal)),
            new("ip", validator.CheckIp(signal)),
            new("signature", SignalVerifier.Verify(signal)
                ? ValidationResult.Ok()
                : ValidationResult.Fail(RejectReason.InvalidSignature, "Ed25519 signature does not verify over the canonical form with node_id as key")),
        };
        var freshness = validator.CheckFreshness(signal);
        var firstFailure = checks.FirstOrDefault(c => !c.Result.IsValid);

        if (json)
        {
            WriteJson(stdout, signal, checks, firstFailure, freshness);
        }
        else
        {
            WriteText(stdout, signal, checks, firstFailure, freshness);
        }
        return firstFailure is null ? ExitValid : ExitInvalid;
    }

    private static void WriteText(TextWriter stdout, ThreatSignal signal, List<Check> checks, Check? firstFailure, ValidationResult freshness)
    {
        stdout.WriteLine("canonical:  " + signal.CanonicalText());
        stdout.WriteLine("signer:     " + signal.NodeId);
        foreach (var check in checks)
        {
            stdout.WriteLine($"{check.Name + ":",-11} {Describe(check.Result)}");
        }
        stdout.WriteLine($"freshness:  {Describe(freshness)} (not a failure for verify)");
        stdout.WriteLine("verdict:    " + (firstFailure is null ? "valid" : "invalid: " + firstFailure.Result.Reason));
    }

    private static void WriteJson(TextWriter stdout, ThreatSignal signal, List<Check> checks, Check? firstFailure, ValidationResult freshness)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("canonical", signal.CanonicalText());
            writer.WriteString("node_id", signal.NodeId);
            writer.WriteBoolean("valid", firstFailure is null);
            if (firstFailure is null)
            {
                writer.WriteNull("reason");
            }
            else
            {
                writer.WriteString("reason", firstFailure.Result.Reason.ToString());
            }
            writer.WriteString("freshness", freshness.IsValid ? "ok" : freshness.Reason.ToString());
            writer.WriteStartObject("checks");
            foreach (var check in checks)
            {
                writer.WriteStartObject(check.Name);
                writer.WriteString("result", check.Result.IsValid ? "ok" : check.Result.Reason.ToString());
                writer.WriteString("detail", check.Result.Detail);
                writer.WriteEndObject();
            }
            writer.WriteStartObject("freshness");
            writer.WriteString("result", freshness.IsValid ? "ok" : freshness.Reason.ToString());
            writer.WriteString("detail", freshness.Detail);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        stdout.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Describe(ValidationResult result) =>
        result.IsValid ? "ok" : $"{result.Reason} ({result.Detail})";

    private static bool TryRead(string pathOrDash, TextReader stdin, out byte[] bytes, out string? error)
    {
        bytes = [];
        if (pathOrDash == "-")
        {
            var chars = new char[MaxInputBytes + 1];
            int total = 0;
            int n;
            while (total < chars.Length && (n = stdin.Read(chars, total, chars.Length - total)) > 0)
            {
                total += n;
            }
            bytes = Encoding.UTF8.GetBytes(chars, 0, total);
            return CheckSize(bytes.Length, out error);
        }
        try
        {
            using var stream = new FileStream(pathOrDash, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[MaxInputBytes + 1];
            int total = 0;
            int n;
            while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
            }
            bytes = buffer[..total];
            return CheckSize(total, out error);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = ex.Message;
            return false;
        }
    }

    private static bool CheckSize(int length, out string? error)
    {
        error = length > MaxInputBytes ? $"input is larger than {MaxInputBytes / 1024} KiB; a signal is well under 1 KiB" : null;
        return error is null;
    }

    private sealed record Check(string Name, ValidationResult Result);
}

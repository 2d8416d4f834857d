using System.Text.Json;
using InnerWarden.Mesh.Host.Cli;
using InnerWarden.Mesh.Host.Tests.Signals;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Cli;

public sealed class VerifyCommandHandlerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(ProtocolVectors.SignedAt.AddSeconds(30));
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iw-verify-" + Guid.NewGuid().ToString("N"));

    public VerifyCommandHandlerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private int RunStdin(string input, bool json = false) =>
        VerifyCommandHandler.Run("-", new StringReader(input), _out, _err, _time, json);

    private int RunFile(string content)
    {
        string path = Path.Combine(_dir, "signal.json");
        File.WriteAllText(path, content);
        return VerifyCommandHandler.Run(path, new StringReader(""), _out, _err, _time);
    }

    [Fact]
    public void Vector_one_is_valid_and_the_report_shows_canonical_form_signer_and_checks()
    {
        int exit = RunFile(ProtocolVectors.OneJson);

        Assert.Equal(0, exit);
        string report = _out.ToString();
        Assert.Contains("canonical:  " + ProtocolVectors.One.Canonical, report, StringComparison.Ordinal);
        Assert.Contains("signer:     " + ProtocolVectors.NodeId, report, StringComparison.Ordinal);
        Assert.Contains("ip:         ok", report, StringComparison.Ordinal);
        Assert.Contains("signature:  ok", report, StringComparison.Ordinal);
        Assert.Contains("freshness:  ok", report, StringComparison.Ordinal);
        Assert.Contains("verdict:    valid", report, StringComparison.Ordinal);
        Assert.Empty(_err.ToString());
    }

    [Fact]
    public void An_old_signal_reports_its_age_but_is_still_valid()
    {
        _time.Advance(TimeSpan.FromDays(3));

        int exit = RunStdin(ProtocolVectors.OneJson);

        Assert.Equal(0, exit);
        Assert.Contains("freshness:  TimestampTooOld (timestamp 2026-03-27T12:34:56.123456789Z is 3 d old", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("not a failure for verify", _out.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2", "documentation TEST-NET-3 203.0.113.0/24")]
    [InlineData("3", "documentation 2001:db8::/32")]
    public void Vectors_two_and_three_have_good_signatures_but_documentation_ips(string name, string range)
    {
        int exit = RunStdin(ProtocolVectors.ByName(name).Json);

        Assert.Equal(1, exit);
        string report = _out.ToString();
        Assert.Contains("ip:         PrivateIp", report, StringComparison.Ordinal);
        Assert.Contains(range, report, StringComparison.Ordinal);
        Assert.Contains("signature:  ok", report, StringComparison.Ordinal);
        Assert.Contains("verdict:    invalid: PrivateIp", report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_signal_is_invalid_signature()
    {
        int exit = RunStdin(ProtocolVectors.OneJson.Replace("\"ttl_secs\": 3600", "\"ttl_secs\": 3601", StringComparison.Ordinal));

        Assert.Equal(1, exit);
        Assert.Contains("signature:  InvalidSignature", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("verdict:    invalid: InvalidSignature", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_has_the_verdict_fields()
    {
        _time.Advance(TimeSpan.FromHours(2));

        int exit = RunStdin(ProtocolVectors.Two.Json, json: true);

        Assert.Equal(1, exit);
        using var doc = JsonDocument.Parse(_out.ToString());
        var root = doc.RootElement;
        Assert.Equal(ProtocolVectors.Two.Canonical, root.GetProperty("canonical").GetString());
        Assert.Equal(ProtocolVectors.NodeId, root.GetProperty("node_id").GetString());
        Assert.False(root.GetProperty("valid").GetBoolean());
        Assert.Equal("PrivateIp", root.GetProperty("reason").GetString());
        Assert.Equal("TimestampTooOld", root.GetProperty("freshness").GetString());
        Assert.Equal("ok", root.GetProperty("checks").GetProperty("signature").GetProperty("result").GetString());
    }

    [Fact]
    public void Json_output_of_a_valid_signal_has_a_null_reason()
    {
        Assert.Equal(0, RunStdin(ProtocolVectors.OneJson, json: true));

        using var doc = JsonDocument.Parse(_out.ToString());
        Assert.True(doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("reason").ValueKind);
    }

    [Theory]
    [InlineData("", "empty body")]
    [InlineData("garbage", "malformed JSON")]
    [InlineData("""{"ip": "185.220.1.7"}""", "missing field `node_id`")]
    public void Unparseable_input_exits_2_naming_the_source_and_the_error(string input, string error)
    {
        int exit = RunStdin(input);

        Assert.Equal(2, exit);
        Assert.Contains("stdin is not a signal: " + error, _err.ToString(), StringComparison.Ordinal);
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public void A_missing_file_exits_2_naming_it()
    {
        string path = Path.Combine(_dir, "nope.json");

        int exit = VerifyCommandHandler.Run(path, new StringReader(""), _out, _err, _time);

        Assert.Equal(2, exit);
        Assert.Contains("cannot read " + path, _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_exits_2()
    {
        Assert.Equal(2, VerifyCommandHandler.Run(_dir, new StringReader(""), _out, _err, _time));
        Assert.Contains("cannot read " + _dir, _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Input_over_64_KiB_exits_2_without_parsing()
    {
        string huge = ProtocolVectors.OneJson + new string(' ', VerifyCommandHandler.MaxInputBytes);

        Assert.Equal(2, RunFile(huge));
        Assert.Contains("larger than 64 KiB", _err.ToString(), StringComparison.Ordinal);
    }
}

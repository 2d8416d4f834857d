using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using InnerWarden.Mesh.Host.Cli;

namespace InnerWarden.Mesh.Host.Tests.Cli;

public sealed class ReportCommandHandlerTests : IDisposable
{
    // Unix socket paths are limited to ~108 bytes, so keep the directory short.
    private readonly string _dir = Directory.CreateTempSubdirectory("iwc").FullName;
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<int> Run(string ip = "185.220.1.7", string detector = "fail2ban_sshd", float? confidence = 0.9f, string? evidence = "sshd: 5 failures") =>
        ReportCommandHandler.RunAsync(_dir, ip, detector, confidence, evidence, _stdout, _stderr, CancellationToken.None);

    // Stands in for the agent's local-report socket: reads one request, answers with the given reply.
    private async Task<(int ExitCode, JsonElement Request)> RunAgainstAgentAsync(string reply)
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(_dir, ReportCommandHandler.SocketFileName)));
        listener.Listen(1);
        var served = Task.Run(async () =>
        {
            using var client = await listener.AcceptAsync();
            using var request = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await client.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                request.Write(buffer, 0, read);
            }
            await client.SendAsync(Encoding.UTF8.GetBytes(reply), SocketFlags.None);
            return JsonDocument.Parse(request.ToArray()).RootElement.Clone();
        });
        var exit = await Run();
        return (exit, await served.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Accepted_report_exits_0_and_sends_the_fields()
    {
        var (exit, request) = await RunAgainstAgentAsync("{\"ok\":true}\n");

        Assert.Equal(0, exit);
        Assert.Equal("185.220.1.7", request.GetProperty("ip").GetString());
        Assert.Equal("fail2ban_sshd", request.GetProperty("detector").GetString());
        Assert.Equal(0.9f, request.GetProperty("confidence").GetSingle());
        Assert.Equal("sshd: 5 failures", request.GetProperty("evidence").GetString());
        Assert.Contains("reported 185.220.1.7", _stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_refused_by_the_agent_exits_1_with_its_reason()
    {
        var (exit, _) = await RunAgainstAgentAsync("{\"ok\":false,\"error\":\"agent busy\"}\n");

        Assert.Equal(1, exit);
        Assert.Contains("agent busy", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_agent_listening_exits_1_and_says_to_start_it()
    {
        var exit = await Run();

        Assert.Equal(1, exit);
        Assert.Contains(Path.Combine(_dir, "mesh-report.sock"), _stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("agent running", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-an-ip", "fail2ban_sshd", 0.9f, "IP 'not-an-ip'")]
    [InlineData("185.220.1.7", "bad name!", 0.9f, "--detector 'bad name!'")]
    [InlineData("185.220.1.7", "", 0.9f, "--detector ''")]
    [InlineData("185.220.1.7", "x", 1.5f, "--confidence '1.5'")]
    [InlineData("185.220.1.7", "x", float.NaN, "--confidence 'NaN'")]
    public async Task Bad_arguments_exit_2_naming_the_argument_without_contacting_the_agent(string ip, string detector, float confidence, string expected)
    {
        var exit = await Run(ip, detector, confidence);

        Assert.Equal(2, exit);
        Assert.Contains(expected, _stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1", "is in RFC 1918 private 10.0.0.0/8")]
    [InlineData("fe80::1", "is in link-local fe80::/10 (RFC 4291)")]
    [InlineData("203.0.113.7", "is in documentation TEST-NET-3 203.0.113.0/24 (RFC 5737)")]
    [InlineData("185.220.1.10", "is on the never-block list (allowlist entry 185.220.1.10/32)")]
    [InlineData("151.101.1.1", "is on the never-block list (address of this node)")]
    [InlineData("151.101.2.2", "is on the never-block list (address of peer web-2)")]
    public async Task An_address_the_mesh_never_blocks_exits_0_with_one_line_and_is_not_sent(string ip, string why)
    {
        var policy = new InnerWarden.Mesh.Host.Validation.AddressPolicy(["185.220.1.10"], () => [System.Net.IPAddress.Parse("151.101.1.1")]);
        policy.SetNamedPeerAddresses([(System.Net.IPAddress.Parse("151.101.2.2"), "web-2")]);

        // No agent listens here: a report that was sent would end with exit 1.
        var exit = await ReportCommandHandler.RunAsync(_dir, ip, "fail2ban_sshd", 0.9f, null, _stdout, _stderr, CancellationToken.None, policy);

        Assert.Equal(0, exit);
        Assert.Empty(_stderr.ToString());
        var line = Assert.Single(_stdout.ToString().TrimEnd().Split('\n'));
        Assert.StartsWith($"innerwarden mesh report: not reported: {ip} {why}", line, StringComparison.Ordinal);
        Assert.EndsWith("which the mesh never blocks (a ban by the caller itself is unaffected)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_evidence_exits_2()
    {
        Assert.Equal(2, await Run(evidence: new string('e', 64 * 1024 + 1)));
        Assert.Contains("--evidence", _stderr.ToString(), StringComparison.Ordinal);
    }
}

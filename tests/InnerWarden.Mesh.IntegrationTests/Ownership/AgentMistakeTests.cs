using System.Net.Sockets;
using System.Text;

namespace InnerWarden.Mesh.IntegrationTests.Ownership;

/// <summary>
/// Issue 14 item 4, the agent's side: operator mistakes that only show when the node starts (a bind address the host does
/// not own, a port below 1024 or the nftables enforcer without the capability), a stop signal at any moment of start-up,
/// and <c>enabled: false</c> under a service manager that waits for readiness. Each ends with one line and an exit code,
/// never a stack trace. Run as the real unprivileged service user where capabilities matter.
/// </summary>
public sealed class AgentMistakeTests : IDisposable
{
    private readonly OperatorMachine _machine = new();

    public void Dispose() => _machine.Dispose();

    private string Svc => _machine.ServiceUser;

    [Fact]
    public async Task A_bind_address_the_host_does_not_own_is_one_line_at_its_file_position_exit_2()
    {
        // 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails before any packet could leave.
        WriteConfig($"enabled: true\nbind: 192.0.2.1:{OperatorMachine.FreePort()}\nplugins:\n  enforcer: log-only\n");

        var run = await AgentAsync(Svc);

        Assert.True(run.Exit == 2, Describe(run));
        Assert.Contains($"innerwarden: {_machine.ConfigPath}:2:7: bind: 192.0.2.1:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("this host has no address 192.0.2.1", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task A_port_below_1024_without_the_capability_names_it_exit_2()
    {
        WriteConfig("enabled: true\nbind: 127.0.0.1:81\nplugins:\n  enforcer: log-only\n");

        var run = await AgentAsync(Svc);

        Assert.True(run.Exit == 2, Describe(run));
        Assert.Contains($"{_machine.ConfigPath}:2:7: bind: 127.0.0.1:81: port 81 is below 1024 and user {Svc} lacks CAP_NET_BIND_SERVICE", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task The_nftables_enforcer_without_CAP_NET_ADMIN_names_the_capability_exit_2()
    {
        WriteConfig($"enabled: true\nbind: 127.0.0.1:{OperatorMachine.FreePort()}\nplugins:\n  enforcer: nftables\n");

        var run = await AgentAsync(Svc);

        Assert.True(run.Exit == 2, Describe(run));
        Assert.Contains($"{_machine.ConfigPath}:4:13: plugins.enforcer: nftables: user {Svc} lacks CAP_NET_ADMIN", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task A_stop_signal_at_any_moment_of_start_up_ends_the_agent_with_exit_0()
    {
        WriteConfig($"enabled: true\nbind: 127.0.0.1:{OperatorMachine.FreePort()}\nplugins:\n  enforcer: log-only\nmetrics:\n  enabled: true\n  bind: 127.0.0.1:{OperatorMachine.FreePort()}\n");
        var results = new List<string>();

        // Timed from the node's first log line (its start is under way: enforcer, transport bind, metrics, reconcile),
        // so the moments are the start's on any machine speed, not the runtime's own start-up.
        foreach (var delay in new[] { 0, 20, 50, 100, 200, 400, 800, 1500 })
        {
            var run = await _machine.RunUntilAsync(Svc, "Z ", TimeSpan.FromMilliseconds(delay),
                "--config", _machine.ConfigPath, "--data-dir", _machine.DataDirectory, "agent");
            results.Add($"SIGTERM {delay} ms after the first log line: exit {run.Exit}");
            Assert.True(run.SawMarker, run.Output);
            Assert.True(run.Exit == 0, $"SIGTERM {delay} ms after the first log line: exit {run.Exit}\n{run.Output}");
            Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", run.Output, StringComparison.Ordinal);
        }
        Assert.Equal(8, results.Count);
    }

    [Fact]
    public async Task A_disabled_mesh_under_a_service_manager_reports_ready_and_idles_until_stopped()
    {
        WriteConfig("enabled: false\n");
        var socketPath = Path.Combine(_machine.DataDirectory, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        OperatorMachine.Run("chown", $"{Svc}:{Svc}", socketPath);
#pragma warning disable CA2025 // Awaited below, before the socket is disposed at the end of the test.
        var received = ReceiveAsync(notify);
#pragma warning restore CA2025

        var run = _machine.RunUntilAsync(Svc, "idling until stopped", TimeSpan.FromSeconds(2),
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath },
            "--config", _machine.ConfigPath, "--data-dir", _machine.DataDirectory, "agent");

        Assert.Equal("READY=1", await received.WaitAsync(TimeSpan.FromSeconds(60)));
        var result = await run;
        Assert.True(result.SawMarker, result.Output);
        Assert.True(result.Exit == 0, $"exit {result.Exit}\n{result.Output}");
        Assert.Contains("mesh is disabled in", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_mesh_without_a_service_manager_exits_0_at_once()
    {
        WriteConfig("enabled: false\n");

        var run = await AgentAsync(Svc);

        Assert.True(run.Exit == 0, Describe(run));
        Assert.Contains("enable it with: innerwarden mesh enable", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("idling", run.Stdout, StringComparison.Ordinal);
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[512];
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
        return Encoding.UTF8.GetString(buffer, 0, n).Trim();
    }

    private void WriteConfig(string yaml) => OperatorMachine.Install(_machine.ConfigPath, yaml, $"root:{Svc}", "0640");

    private Task<(int Exit, string Stdout, string Stderr)> AgentAsync(string? user) =>
        _machine.InnerwardenAsync(user, "--config", _machine.ConfigPath, "--data-dir", _machine.DataDirectory, "agent");

    private static string Describe((int Exit, string Stdout, string Stderr) run) => $"exit {run.Exit}\n{run.Stdout}\n{run.Stderr}";

    private static void AssertNoStackTrace((int Exit, string Stdout, string Stderr) run)
    {
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd().Split('\n'));
    }
}

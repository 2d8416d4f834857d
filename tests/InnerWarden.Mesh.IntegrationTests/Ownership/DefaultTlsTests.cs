using System.Text.Json;

namespace InnerWarden.Mesh.IntegrationTests.Ownership;

/// <summary>
/// Issue 14 item 3 as an operator meets it: two agents with default settings (real processes, run as a real unprivileged
/// service user), joined with <c>sudo innerwarden mesh add-peer https://...</c>, reach each other over HTTPS with the
/// certificates they made into their data dirs (the service's, 0600, also when root started the agent); a peer that is
/// down is one journal line with its cause, and <c>mesh peers</c> shows the cause.
/// </summary>
public sealed class DefaultTlsTests : IDisposable
{
    private const string CertificateFile = "mesh-tls.pfx";

    private readonly OperatorMachine _machine = new();

    public void Dispose() => _machine.Dispose();

    private string Svc => _machine.ServiceUser;

    [Fact]
    public async Task Two_default_agents_joined_with_add_peer_https_talk_over_tls_and_a_down_peer_is_one_line_with_its_cause()
    {
        int portA = OperatorMachine.FreePort(), portB = OperatorMachine.FreePort(), down = OperatorMachine.FreePort();
        var dataB = _machine.NewDataDirectory("data-b");
        var configB = Path.Combine(_machine.ConfigDirectory, "b.yaml");
        foreach (var (config, port) in new[] { (_machine.ConfigPath, portA), (configB, portB) })
        {
            OperatorMachine.Install(config, $"enabled: true\nbind: 127.0.0.1:{port}\npoll_secs: 1\nplugins:\n  enforcer: log-only\n", $"root:{Svc}", "0640");
        }
        foreach (var (config, peer) in new[] { (_machine.ConfigPath, $"https://127.0.0.1:{portB}"), (configB, $"https://127.0.0.1:{portA}"), (configB, $"https://127.0.0.1:{down}") })
        {
            var added = await _machine.InnerwardenAsync(null, "--config", config, "mesh", "add-peer", peer);
            Assert.True(added.Exit == 0, added.Stderr);
        }

        // B first: it finds A (and the never-started peer) down, then A comes up and B reaches it within its polls.
        var runB = _machine.RunUntilAsync(Svc, " started: ", TimeSpan.FromSeconds(8), "--config", configB, "--data-dir", dataB, "agent");
        await Task.Delay(TimeSpan.FromSeconds(3));
        // A stays up a few of B's polls after it reached B, so B reaches it too.
        var (exitA, outputA, resolvedB) = await _machine.RunUntilAsync(Svc, $"peer https://127.0.0.1:{portB}/ is ", TimeSpan.FromSeconds(3),
            "--config", _machine.ConfigPath, "--data-dir", _machine.DataDirectory, "agent");
        var (exitB, outputB, _) = await runB;

        Assert.True(resolvedB, outputA);
        Assert.True(exitA == 0, $"exit {exitA}\n{outputA}");
        Assert.True(exitB == 0, $"exit {exitB}\n{outputB}");
        Assert.Contains($"started: listening on https://127.0.0.1:{portA}/", outputA, StringComparison.Ordinal);
        Assert.True(outputB.Contains($"peer https://127.0.0.1:{portA}/ is ", StringComparison.Ordinal), outputB);
        // Polled every second for 8 s and more: still one line for the down peer, with its cause.
        Assert.Equal(1, outputB.Split($"peer https://127.0.0.1:{down}/ unreachable: connection refused").Length - 1);
        Assert.Equal($"{Svc}:{Svc} 600", OperatorMachine.Stat(Path.Combine(_machine.DataDirectory, CertificateFile)));
        Assert.Equal($"{Svc}:{Svc} 600", OperatorMachine.Stat(Path.Combine(dataB, CertificateFile)));

        var peers = await _machine.InnerwardenAsync(Svc, "--config", configB, "--data-dir", dataB, "mesh", "peers", "--json");
        Assert.True(peers.Exit == 0, peers.Stderr);
        var rows = JsonDocument.Parse(peers.Stdout).RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("endpoint").GetString() ?? "");
        Assert.Equal("connection refused", rows[$"https://127.0.0.1:{down}/"].GetProperty("problem").GetString());
        Assert.Equal(JsonValueKind.Null, rows[$"https://127.0.0.1:{portA}/"].GetProperty("problem").ValueKind);
        Assert.True(rows[$"https://127.0.0.1:{portA}/"].GetProperty("reachable").GetBoolean());
    }

    [Fact]
    public async Task An_agent_root_starts_leaves_a_certificate_the_service_owns_and_only_it_reads()
    {
        var port = OperatorMachine.FreePort();
        OperatorMachine.Install(_machine.ConfigPath, $"enabled: true\nbind: 127.0.0.1:{port}\nplugins:\n  enforcer: log-only\n", $"root:{Svc}", "0640");

        var (exit, output, started) = await _machine.RunUntilAsync("root", " started: ",
            "--config", _machine.ConfigPath, "--data-dir", _machine.DataDirectory, "agent");

        Assert.True(started, output);
        Assert.True(exit == 0, $"exit {exit}\n{output}");
        Assert.Contains($"started: listening on https://127.0.0.1:{port}/", output, StringComparison.Ordinal);
        Assert.Equal($"{Svc}:{Svc} 600", OperatorMachine.Stat(Path.Combine(_machine.DataDirectory, CertificateFile)));
        Assert.Empty(Directory.GetFiles(_machine.DataDirectory, ".*.tmp"));
    }
}

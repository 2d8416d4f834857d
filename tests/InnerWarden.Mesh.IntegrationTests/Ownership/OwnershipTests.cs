namespace InnerWarden.Mesh.IntegrationTests.Ownership;

/// <summary>
/// Issue 14 item 1, as the operator meets it: the CLI run with sudo before the first start and after, the same commands
/// without sudo, and the agent as the unprivileged service user (real users, made and removed by <see cref="OperatorMachine"/>).
/// </summary>
public sealed class OwnershipTests : IDisposable
{
    private readonly OperatorMachine _machine = new();

    public void Dispose() => _machine.Dispose();

    private string Svc => _machine.ServiceUser;

    [Fact]
    public async Task Sudo_identity_enable_and_add_peer_leave_files_the_service_reads_and_the_agent_starts_as_the_service()
    {
        var port = OperatorMachine.FreePort();
        OperatorMachine.Install(_machine.ConfigPath, $"enabled: false\nbind: 127.0.0.1:{port}\nplugins:\n  enforcer: log-only\n", $"root:{Svc}", "0640");

        var identity = await _machine.InnerwardenAsync(null, "--data-dir", _machine.DataDirectory, "mesh", "identity", "--json");
        var enable = await _machine.InnerwardenAsync(null, "--config", _machine.ConfigPath, "mesh", "enable");
        var addPeer = await _machine.InnerwardenAsync(null, "--config", _machine.ConfigPath, "mesh", "add-peer", "http://127.0.0.1:1");

        Assert.True(identity.Exit == 0, identity.Stderr);
        Assert.True(enable.Exit == 0, enable.Stderr);
        Assert.True(addPeer.Exit == 0, addPeer.Stderr);
        Assert.Equal($"{Svc}:{Svc} 600", OperatorMachine.Stat(_machine.KeyPath));
        Assert.Equal($"root:{Svc} 640", OperatorMachine.Stat(_machine.ConfigPath));
        Assert.Contains("enabled: true", await File.ReadAllTextAsync(_machine.ConfigPath), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_machine.ConfigDirectory, ".*.tmp"));

        var (exit, output, started) = await _machine.RunUntilAsync(Svc, " started: ",
            "--config", _machine.ConfigPath, "--data-dir", _machine.DataDirectory, "agent");

        Assert.True(started, output);
        Assert.True(exit == 0, $"exit {exit}\n{output}");
        Assert.Contains(identity.Stdout.Split('"')[3], output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sudo_enable_without_a_config_creates_one_owned_by_the_directory_owner_and_readable_by_the_service_group()
    {
        var enable = await _machine.InnerwardenAsync(null, "--config", _machine.ConfigPath, "mesh", "enable");

        Assert.True(enable.Exit == 0, enable.Stderr);
        Assert.Equal($"root:{Svc} 640", OperatorMachine.Stat(_machine.ConfigPath));
    }

    [Fact]
    public async Task Without_sudo_an_edit_the_operator_may_not_make_is_exit_1_with_the_sudo_command_and_changes_nothing()
    {
        // The config is world-readable here, so the refusal is the write itself (the temp file beside it).
        OperatorMachine.Run("chmod", "0755", _machine.ConfigDirectory);
        OperatorMachine.Install(_machine.ConfigPath, "enabled: false\n", $"root:{Svc}", "0644");
        var op = _machine.OperatorUser;

        var enable = await _machine.InnerwardenAsync(op, "--config", _machine.ConfigPath, "mesh", "enable");
        var identity = await _machine.InnerwardenAsync(op, "--data-dir", _machine.DataDirectory, "mesh", "identity");

        Assert.True(enable.Exit == 1, $"exit {enable.Exit}\n{enable.Stdout}\n{enable.Stderr}");
        Assert.Contains($"cannot write {_machine.ConfigPath}: user {op} may not create files in {_machine.ConfigDirectory} (owned by root:{Svc} 0755)", enable.Stderr, StringComparison.Ordinal);
        Assert.Contains($"run it as root: sudo innerwarden --config {_machine.ConfigPath} mesh enable", enable.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", enable.Stderr, StringComparison.Ordinal);
        Assert.Equal("enabled: false\n", await File.ReadAllTextAsync(_machine.ConfigPath));
        Assert.Equal($"root:{Svc} 644", OperatorMachine.Stat(_machine.ConfigPath));
        Assert.Empty(Directory.GetFiles(_machine.ConfigDirectory, ".*.tmp"));

        Assert.True(identity.Exit == 1, $"exit {identity.Exit}\n{identity.Stdout}\n{identity.Stderr}");
        Assert.Contains($"run it as root: sudo innerwarden --data-dir {_machine.DataDirectory} mesh identity", identity.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_machine.KeyPath));
    }

    [Fact]
    public async Task Without_sudo_a_config_the_operator_cannot_read_is_exit_1_with_the_sudo_command()
    {
        OperatorMachine.Install(_machine.ConfigPath, "enabled: false\n", $"root:{Svc}", "0640");
        OperatorMachine.Run("chmod", "0755", _machine.ConfigDirectory);

        var run = await _machine.InnerwardenAsync(_machine.OperatorUser, "--config", _machine.ConfigPath, "mesh", "add-peer", "http://127.0.0.1:1");

        Assert.True(run.Exit == 1, $"exit {run.Exit}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains($"config file {_machine.ConfigPath} (owned by root:{Svc} 0640) cannot be read by user {_machine.OperatorUser}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"sudo innerwarden --config {_machine.ConfigPath} mesh add-peer http://127.0.0.1:1", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_names_a_key_it_cannot_read_its_owner_and_the_chown_and_exits_2()
    {
        OperatorMachine.Install(_machine.ConfigPath, "enabled: true\nplugins:\n  enforcer: log-only\n", $"root:{Svc}", "0640");
        // What `sudo innerwarden mesh identity` of an older version left: root's key.
        OperatorMachine.Install(_machine.KeyPath, new string('k', 32), "root:root", "0600");

        var run = await AgentAsSvcAsync();

        Assert.True(run.Exit == 2, $"exit {run.Exit}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains($"identity key file {_machine.KeyPath} (owned by root:root 0600) cannot be read by user {Svc}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"fix it with: sudo chown {Svc}:{Svc} {_machine.KeyPath}", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run.Stderr + run.Stdout);
    }

    [Fact]
    public async Task The_agent_names_a_config_it_cannot_read_and_the_chown_and_exits_2()
    {
        OperatorMachine.Install(_machine.ConfigPath, "enabled: true\n", "root:root", "0600");

        var run = await AgentAsSvcAsync();

        Assert.True(run.Exit == 2, $"exit {run.Exit}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains($"config file {_machine.ConfigPath} (owned by root:root 0600) cannot be read by user {Svc}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"fix it with: sudo chown root:{Svc} {_machine.ConfigPath} && sudo chmod 0640 {_machine.ConfigPath}", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run.Stderr + run.Stdout);
    }

    [Fact]
    public async Task The_agent_names_a_data_directory_or_file_it_cannot_write_and_exits_2()
    {
        OperatorMachine.Install(_machine.ConfigPath, "enabled: true\nplugins:\n  enforcer: log-only\n", $"root:{Svc}", "0640");
        var stateFile = Path.Combine(_machine.DataDirectory, "mesh-state.json");
        OperatorMachine.Install(stateFile, "{}", "root:root", "0644");

        var file = await AgentAsSvcAsync();
        OperatorMachine.Run("chown", "root:root", _machine.DataDirectory);
        OperatorMachine.Run("chmod", "0755", _machine.DataDirectory);
        var directory = await AgentAsSvcAsync();

        Assert.True(file.Exit == 2, $"exit {file.Exit}\n{file.Stdout}\n{file.Stderr}");
        Assert.Contains($"data file {stateFile} (owned by root:root 0644) cannot be written by user {Svc}", file.Stderr, StringComparison.Ordinal);
        Assert.Contains($"fix it with: sudo chown {Svc}:{Svc} {stateFile}", file.Stderr, StringComparison.Ordinal);
        Assert.True(directory.Exit == 2, $"exit {directory.Exit}\n{directory.Stdout}\n{directory.Stderr}");
        Assert.Contains($"data directory {_machine.DataDirectory} (owned by root:root 0755) cannot be written by user {Svc}", directory.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(file.Stderr + directory.Stderr);
    }

    private Task<(int Exit, string Stdout, string Stderr)> AgentAsSvcAsync() =>
        _machine.InnerwardenAsync(Svc, "--config", _machine.ConfigPath, "--data-dir", _machine.DataDirectory, "agent");

    private static void AssertNoStackTrace(string output)
    {
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }
}

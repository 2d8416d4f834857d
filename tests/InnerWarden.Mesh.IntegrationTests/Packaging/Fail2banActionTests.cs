using System.Text.RegularExpressions;
using InnerWarden.Mesh.Host.Cli;

namespace InnerWarden.Mesh.IntegrationTests.Packaging;

/// <summary>
/// Issue 14 item 6: the fail2ban action's README gives a command to test the action by hand; run word for word it must
/// succeed (fail2ban shows any other exit code as a failed action), and the action must run the same command.
/// </summary>
public sealed partial class Fail2banActionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("iw-f2b").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_readmes_test_command_run_as_written_exits_0_with_one_line_saying_the_address_is_never_blocked()
    {
        var readme = await File.ReadAllTextAsync(RepositoryRoot.Combine("packaging", "fail2ban", "README.md"));
        var command = TestCommand().Match(readme);
        Assert.True(command.Success, "no `innerwarden mesh report ...` test command in packaging/fail2ban/README.md");
        var words = command.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("exit 0", readme[command.Index..], StringComparison.Ordinal);
        var config = Path.Combine(_dir, "mesh.yaml");
        await File.WriteAllTextAsync(config, "enabled: true\nplugins:\n  detectors: [local-report]\n");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        // No agent runs: the documented address is one the mesh never blocks, so nothing is sent.
        var exit = await MeshCli.RunAsync(["--config", config, "--data-dir", Path.Combine(_dir, "data"), "mesh", "report", .. words], stdout, stderr);

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Empty(stderr.ToString());
        Assert.Matches("^innerwarden mesh report: not reported: 203\\.0\\.113\\.7 is in .+, which the mesh never blocks .+$", stdout.ToString().Trim());
        var action = await File.ReadAllTextAsync(RepositoryRoot.Combine("packaging", "fail2ban", "action.d", "innerwarden-mesh.conf"));
        Assert.Contains("actionban = innerwarden mesh report <ip> --detector fail2ban_<name>", action, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"`innerwarden mesh report (?<args>[^`]+)`")]
    private static partial Regex TestCommand();
}

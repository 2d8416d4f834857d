using System.Diagnostics;
using InnerWarden.Mesh.IntegrationTests.Plugins;

namespace InnerWarden.Mesh.IntegrationTests.Cli;

/// <summary>The built <c>innerwarden agent</c>, run as the operator runs it (a child process), given configs with mistakes.</summary>
public sealed class AgentConfigErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_config_with_several_mistakes_ends_the_agent_with_one_report_and_exit_2_without_a_stack_trace()
    {
        var config = Path.Combine(_dir.Path, "mesh.yaml");
        await File.WriteAllTextAsync(config, """
            enabled: true
            block_ful_at: 0.9
            plugins:
              enforcer: nftable
              detectors: [sshd, fail2ban]
            plugin_settings:
              sshd:
                max_failure: 3
              thresold:
                block_full_at: 0.9
              bayesian:
                initial: 0.2
              threshold:
                block_full_at: lots
            """);

        var (exit, stdout, stderr) = await RunAgentAsync("--config", config, "--data-dir", Path.Combine(_dir.Path, "data"));

        Assert.True(exit == 2, $"exit {exit}\n{stdout}\n{stderr}");
        var lines = stderr.TrimEnd().Split('\n');
        string[] expected =
        [
            $"innerwarden: {config}:2:1: block_ful_at: unknown key; block_full_at is a setting of the threshold plugin: write it under plugin_settings.threshold",
            $"innerwarden: {config}:4:13: plugins.enforcer: no plugin named 'nftable' of kind enforcer in ",
            $"innerwarden: {config}:5:21: plugins.detectors[1]: no plugin named 'fail2ban' of kind detector in ",
            $"innerwarden: {config}:8:5: plugin_settings.sshd.max_failure: unknown setting; did you mean max_failures? ",
            $"innerwarden: {config}:9:3: plugin_settings.thresold: no plugin named 'thresold' is installed in ",
            $"innerwarden: {config}:11:3: plugin_settings.bayesian: the bayesian plugin is not selected (plugins.trust is tit-for-tat)",
            $"innerwarden: {config}:14:20: plugin_settings.threshold.block_full_at: expected a number greater than 0 and at most 1, got 'lots'",
            $"innerwarden: 7 errors in {config}",
        ];
        Assert.True(expected.Length == lines.Length, stderr);
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.StartsWith(expected[i], lines[i], StringComparison.Ordinal);
        }
        Assert.Contains("did you mean nftables? found: iptables, log-only, nftables, windows-firewall", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "data")), "nothing may be started or created for a refused config");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_missing_config_file_named_explicitly_is_an_error_exit_2(bool byVariable)
    {
        var config = Path.Combine(_dir.Path, "does-not-exist.yaml");

        var (exit, stdout, stderr) = byVariable
            ? await RunAgentAsync(new Dictionary<string, string> { ["INNERWARDEN_CONFIG"] = config })
            : await RunAgentAsync("--config", config);

        Assert.True(exit == 2, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.StartsWith($"innerwarden: {config}: config file does not exist (named by {(byVariable ? "$INNERWARDEN_CONFIG" : "--config")})", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing to run", stdout, StringComparison.Ordinal);
    }

    private static Task<(int Exit, string Stdout, string Stderr)> RunAgentAsync(params string[] args) => RunAgentAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs the host's build output (with its plugins/ folder) as <c>dotnet innerwarden.dll agent ...</c>.</summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> RunAgentAsync(Dictionary<string, string> environment, params string[] args)
    {
        var host = Path.Combine(Path.GetDirectoryName(PluginFolders.HostPlugins())!, "innerwarden.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(host);
        info.ArgumentList.Add("agent");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove("INNERWARDEN_CONFIG");
        info.Environment.Remove("INNERWARDEN_DATA_DIR");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the host");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

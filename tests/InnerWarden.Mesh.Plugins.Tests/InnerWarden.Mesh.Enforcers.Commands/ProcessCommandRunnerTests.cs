using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.Commands;

public sealed class ProcessCommandRunnerTests
{
    private static readonly ProcessCommandRunner Runner = new(TimeSpan.FromSeconds(30));

    [SkippableFact]
    public async Task Stdin_reaches_the_process_and_stdout_comes_back()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "uses /bin/cat");
        var result = await Runner.RunAsync("cat", [], "add element inet t s { 1.2.3.4 }\n", default);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("add element inet t s { 1.2.3.4 }\n", result.Stdout);
    }

    [Fact]
    public async Task A_missing_binary_is_an_enforcer_error_naming_the_command()
    {
        var e = await Assert.ThrowsAsync<EnforcerException>(() => Runner.RunAsync("innerwarden-no-such-tool", ["-f", "-"], "x", default));

        Assert.Contains("innerwarden-no-such-tool -f -", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_failing_command_is_an_enforcer_error_naming_the_command_and_its_stderr()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "uses /bin/sh");
        var e = await Assert.ThrowsAsync<EnforcerException>(() =>
            Runner.RunCheckedAsync("sh", ["-c", "echo 'Error: Could not process rule: Operation not permitted' >&2; exit 1"], null, default));

        Assert.Contains("sh -c", e.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_command_that_hangs_is_killed_at_the_timeout_with_an_enforcer_error()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "uses /bin/sleep");
        var quick = new ProcessCommandRunner(TimeSpan.FromMilliseconds(200));

        var e = await Assert.ThrowsAsync<EnforcerException>(() => quick.RunAsync("sleep", ["30"], null, default));

        Assert.Contains("sleep 30", e.Message, StringComparison.Ordinal);
        Assert.Contains("did not finish", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_settings_are_rejected_naming_the_key_and_value()
    {
        var e = Assert.Throws<ArgumentException>(() => EnforcerSettings.Parse("nftables", new Dictionary<string, string> { ["netns"] = "a b; rm -rf /" }));
        Assert.Contains("plugin_settings.nftables.netns", e.Message, StringComparison.Ordinal);
        Assert.Contains("a b; rm -rf /", e.Message, StringComparison.Ordinal);

        var t = Assert.Throws<ArgumentException>(() => EnforcerSettings.Parse("iptables", new Dictionary<string, string> { ["command_timeout_secs"] = "-5" }));
        Assert.Contains("plugin_settings.iptables.command_timeout_secs", t.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.2, 1)]
    [InlineData(3600, 3600)]
    [InlineData(3600.1, 3601)]
    [InlineData(100_000_000, 2_147_483)]
    public void Kernel_timeouts_round_up_and_stay_within_the_kernel_limit(double ttlSecs, long expected)
    {
        Assert.Equal(expected, EnforcerSettings.TimeoutSeconds(TimeSpan.FromSeconds(ttlSecs)));
    }
}

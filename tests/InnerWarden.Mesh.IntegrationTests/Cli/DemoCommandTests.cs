using System.Globalization;
using System.Text.RegularExpressions;
using InnerWarden.Mesh.Host.Cli;
using InnerWarden.Mesh.IntegrationTests.Plugins;

namespace InnerWarden.Mesh.IntegrationTests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_tells_the_seed_story_with_real_nodes_and_ends_by_itself()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await DemoCommandHandler.RunAsync(stdout, stderr, TimeSpan.FromSeconds(3), CancellationToken.None, PluginFolders.HostPlugins());

        var text = stdout.ToString();
        Assert.True(exit == 0, text + stderr);
        Assert.Contains("A: signs ssh_bruteforce for 185.220.1.7 with Ed25519 and broadcasts it", text, StringComparison.Ordinal);
        Assert.Contains("B: verified A's signature; score = trust 0.85 x confidence = 0.782 -> blocked_short_ttl", text, StringComparison.Ordinal);
        Assert.Contains("C: verified A's signature; score = trust 0.70 x confidence = 0.644 -> blocked_short_ttl", text, StringComparison.Ordinal);
        Assert.Contains("B: trust in A 0.85 -> 0.90 (confirmed)", text, StringComparison.Ordinal);
        Assert.Contains("C: entry for 185.220.1.7 expired unconfirmed: block reverted", text, StringComparison.Ordinal);
        Assert.Contains("C: trust in A 0.70 -> 0.55 (contradicted)", text, StringComparison.Ordinal);
        Assert.Matches(@"B\s+0\.90\s+blocked_full 24h confirmed", text);
        Assert.Matches(@"C\s+0\.55\s+none \(reverted\)", text);
    }

    [Fact]
    public async Task Demo_stopped_by_ctrl_c_mid_story_stops_its_nodes_removes_its_data_dirs_and_exits_130()
    {
        using var stop = new CancellationTokenSource();
        // The token Program hands every command is cancelled by SIGINT (StopSignals); here it is cancelled where the
        // demo waits for C's block to run out, with three nodes running.
        var stdout = new CancelOnLine("3. Nobody confirms", stop);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);

        var exit = await DemoCommandHandler.RunAsync(stdout, stderr, TimeSpan.FromSeconds(30), stop.Token, PluginFolders.HostPlugins());

        var text = stdout.ToString();
        Assert.True(exit == 130, $"exit {exit}\n{text}\n{stderr}");
        Assert.Equal("innerwarden demo: interrupted; the nodes are stopped and their temporary data dirs removed", stderr.ToString().Trim());
        Assert.DoesNotContain("Summary", text, StringComparison.Ordinal);
        var root = Regex.Match(text, @"Data dirs under (\S+) \(removed").Groups[1].Value;
        Assert.NotEmpty(root);
        Assert.False(Directory.Exists(root), root);
    }

    private sealed class CancelOnLine(string marker, CancellationTokenSource stop) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(marker, StringComparison.Ordinal) == true)
            {
                // Off this thread: the demo's own write must not run the cancellation's continuations inline.
                _ = Task.Run(stop.Cancel);
            }
        }
    }
}

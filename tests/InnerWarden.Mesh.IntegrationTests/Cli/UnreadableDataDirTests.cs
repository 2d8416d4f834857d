using System.Diagnostics;
using InnerWarden.Mesh.IntegrationTests.Netns;
using InnerWarden.Mesh.IntegrationTests.Plugins;

namespace InnerWarden.Mesh.IntegrationTests.Cli;

/// <summary>
/// <c>mesh status|peers|blocks</c> run by a user who may not read the agent's data directory: an error naming the
/// path and the permission, exit 1 — never an empty answer. A user of its own, created and removed by the test.
/// </summary>
public sealed class UnreadableDataDirTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [InlineData("status")]
    [InlineData("peers")]
    [InlineData("blocks")]
    public async Task A_user_who_cannot_read_the_data_dir_gets_exit_1_naming_the_path(string command)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Unix users and modes");
        Skip.If(Environment.UserName != "root", "needs root to create a user");
        Skip.If(NetnsPair.FindTool("useradd") is null || NetnsPair.FindTool("runuser") is null, "useradd/runuser missing");
        var user = $"iwm-cli-{Environment.ProcessId % 100000}-{command}";
        var data = Path.Combine(_dir.Path, "data");
        Directory.CreateDirectory(data);
        File.WriteAllBytes(Path.Combine(data, "mesh.db"), []);
        // The agent's layout: the service user's directory, closed to others (0750 innerwarden:innerwarden in the package).
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        var config = Path.Combine(_dir.Path, "mesh.yaml");
        File.WriteAllText(config, "enabled: true\n");
        File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);
        Run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user);
        try
        {
            var host = Path.Combine(Path.GetDirectoryName(PluginFolders.HostPlugins())!, "innerwarden.dll");
            var (exit, stdout, stderr) = Run("runuser", "-u", user, "--", "env", $"HOME={_dir.Path}", $"DOTNET_CLI_HOME={_dir.Path}",
                Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", host, "mesh", command, "--config", config, "--data-dir", data);

            Assert.True(exit == 1, $"exit {exit}\n{stdout}\n{stderr}");
            Assert.Contains($"cannot read {Path.Combine(data, "mesh.db")}: permission denied", stderr, StringComparison.Ordinal);
            Assert.Equal("", stdout.Trim());
        }
        finally
        {
            Run("userdel", user);
        }
        await Task.CompletedTask;
    }

    private static (int Exit, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(NetnsPair.FindTool(file) ?? file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

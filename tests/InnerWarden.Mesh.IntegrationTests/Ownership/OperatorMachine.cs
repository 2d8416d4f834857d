using System.Diagnostics;
using System.Globalization;
using InnerWarden.Mesh.IntegrationTests.Plugins;

namespace InnerWarden.Mesh.IntegrationTests.Ownership;

/// <summary>
/// A host as an operator has it: a real unprivileged service user and group and a real operator login (useradd, removed
/// after), the built <c>innerwarden</c> copied where both may run it, a config directory <c>root:service 0750</c> and a
/// data directory <c>service:service 0750</c> as the packages make them. Runs the CLI as root (sudo), as the operator or
/// as the service. Needs root, as CI runs the suite.
/// </summary>
public sealed class OperatorMachine : IDisposable
{
    private readonly string _root;

    public OperatorMachine()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        ServiceUser = "iwm-svc-" + suffix;
        OperatorUser = "iwm-op-" + suffix;
        _root = Path.Combine("/tmp", "iwm-owner-" + suffix);
        Run("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", ServiceUser);
        Run("useradd", "--user-group", "--no-create-home", "--shell", "/bin/sh", OperatorUser);
        Directory.CreateDirectory(_root);
        Run("chmod", "0755", _root);
        // The host and its plugins, where the unprivileged users can read them (the test output may be under /root).
        App = Path.Combine(_root, "app");
        Run("cp", "-a", Path.GetDirectoryName(PluginFolders.HostPlugins())!, App);
        Run("chmod", "-R", "a+rX", App);
        ConfigDirectory = Path.Combine(_root, "etc");
        DataDirectory = Path.Combine(_root, "data");
        Directory.CreateDirectory(ConfigDirectory);
        Directory.CreateDirectory(DataDirectory);
        Run("chown", $"root:{ServiceUser}", ConfigDirectory);
        Run("chmod", "0750", ConfigDirectory);
        Run("chown", $"{ServiceUser}:{ServiceUser}", DataDirectory);
        Run("chmod", "0750", DataDirectory);
    }

    public string ServiceUser { get; }

    public string OperatorUser { get; }

    public string App { get; }

    public string ConfigDirectory { get; }

    public string DataDirectory { get; }

    public string ConfigPath => Path.Combine(ConfigDirectory, "mesh.yaml");

    /// <summary>Another data directory as the packages make one (<c>service:service 0750</c>), for a second node on this host.</summary>
    public string NewDataDirectory(string name)
    {
        var path = Path.Combine(_root, name);
        Directory.CreateDirectory(path);
        Run("chown", $"{ServiceUser}:{ServiceUser}", path);
        Run("chmod", "0750", path);
        return path;
    }

    public string KeyPath => Path.Combine(DataDirectory, "mesh-identity.key");

    /// <summary><c>stat -c '%U:%G %a'</c> of a path.</summary>
    public static string Stat(string path) => Run("stat", "-c", "%U:%G %a", path).Trim();

    /// <summary>Runs a program (as root), returning stdout; fails the test when it exits non-zero.</summary>
    public static string Run(string program, params string[] args)
    {
        var (exit, stdout, stderr) = Exec(program, args).GetAwaiter().GetResult();
        Assert.True(exit == 0, $"{program} {string.Join(' ', args)}: exit {exit}\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>Writes a file as root with the given owner and mode.</summary>
    public static void Install(string path, string text, string owners, string mode)
    {
        File.WriteAllText(path, text);
        Run("chown", owners, path);
        Run("chmod", mode, path);
    }

    /// <summary>
    /// Runs <c>innerwarden ARGS</c> as <paramref name="user"/> (null: root, as under sudo), with this machine's service
    /// user named by <c>$INNERWARDEN_SERVICE_USER</c>.
    /// </summary>
    public Task<(int Exit, string Stdout, string Stderr)> InnerwardenAsync(string? user, params string[] args)
    {
        var command = new List<string>();
        if (user is not null)
        {
            command.AddRange(["--reuid", user, "--regid", user, "--init-groups", "--inh-caps", "-all", "--bounding-set", "-all"]);
        }
        command.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet");
        command.Add(Path.Combine(App, "innerwarden.dll"));
        command.AddRange(args);
        return user is null
            ? Exec(command[0], [.. command.Skip(1)], ServiceUser)
            : Exec("setpriv", [.. command], ServiceUser);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        finally
        {
            Exec("userdel", [OperatorUser]).GetAwaiter().GetResult();
            Exec("userdel", [ServiceUser]).GetAwaiter().GetResult();
            Exec("groupdel", [OperatorUser]).GetAwaiter().GetResult();
            Exec("groupdel", [ServiceUser]).GetAwaiter().GetResult();
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> Exec(string program, string[] args, string? serviceUser = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove("INNERWARDEN_CONFIG");
        info.Environment.Remove("INNERWARDEN_DATA_DIR");
        info.Environment["HOME"] = "/";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (serviceUser is not null)
        {
            info.Environment["INNERWARDEN_SERVICE_USER"] = serviceUser;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
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

    /// <summary>
    /// Starts <c>innerwarden ARGS</c> as <paramref name="user"/>, waits for <paramref name="marker"/> in its output, then
    /// sends SIGTERM as <c>systemctl stop</c> does; returns the exit code and everything it printed.
    /// </summary>
    public Task<(int Exit, string Output, bool SawMarker)> RunUntilAsync(string user, string marker, params string[] args) =>
        RunUntilAsync(user, marker, TimeSpan.Zero, new Dictionary<string, string>(), args);

    /// <summary>
    /// As <see cref="RunUntilAsync(string, string, string[])"/>, the signal <paramref name="delay"/> after the marker; an
    /// empty marker starts the clock when the process can first handle SIGTERM (it shows in /proc/PID/status SigCgt).
    /// </summary>
    public Task<(int Exit, string Output, bool SawMarker)> RunUntilAsync(string user, string marker, TimeSpan delay, params string[] args) =>
        RunUntilAsync(user, marker, delay, new Dictionary<string, string>(), args);

    /// <summary>As above, with extra environment variables.</summary>
    public async Task<(int Exit, string Output, bool SawMarker)> RunUntilAsync(string user, string marker, TimeSpan delay, Dictionary<string, string> environment, params string[] args)
    {
        var output = new System.Text.StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var info = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        // root keeps its capabilities (an operator's `sudo innerwarden agent`); any other user runs without any, as the unit has it.
        string[] identity = user == "root" ? ["--reuid", user, "--regid", user, "--init-groups"]
            : ["--reuid", user, "--regid", user, "--init-groups", "--inh-caps", "-all", "--bounding-set", "-all"];
        foreach (var arg in (string[])[.. identity,
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet", Path.Combine(App, "innerwarden.dll"), .. args])
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove("INNERWARDEN_CONFIG");
        info.Environment.Remove("INNERWARDEN_DATA_DIR");
        info.Environment["HOME"] = "/";
        info.Environment["INNERWARDEN_SERVICE_USER"] = ServiceUser;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        using var process = new Process { StartInfo = info };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            if (marker.Length > 0 && e.Data.Contains(marker, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exited = process.WaitForExitAsync(timeout.Token);
        if (marker.Length == 0)
        {
            _ = CatchesSigtermAsync(process.Id, timeout.Token).ContinueWith(_ => seen.TrySetResult(), TaskScheduler.Default);
        }
        var sawMarker = await Task.WhenAny(seen.Task, exited) == seen.Task;
        if (sawMarker)
        {
            await Task.Delay(delay, timeout.Token);
            _ = await Exec("kill", ["-TERM", Text(process.Id)]);
        }
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        lock (output)
        {
            return (process.ExitCode, output.ToString(), sawMarker);
        }
    }

    // SIGTERM is signal 15: bit 14 of the caught-signals mask.
    private static async Task CatchesSigtermAsync(int pid, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
                if (line is not null && (ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 14)) != 0
                    && File.ReadAllText($"/proc/{pid}/cmdline").Contains("innerwarden.dll", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (IOException)
            {
                return;
            }
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The number as text, for command lines.</summary>
    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

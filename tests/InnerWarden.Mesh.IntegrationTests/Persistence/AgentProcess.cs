using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.IntegrationTests.Plugins;

namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>
/// The built <c>innerwarden agent</c> as a child process (the host's build output with its plugins/ folder), with
/// its output kept for failure messages. <see cref="Kill9"/> is SIGKILL: no shutdown code runs.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>A free loopback port for an agent's bind.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static AgentProcess Start(params string[] args)
    {
        var host = Path.Combine(Path.GetDirectoryName(PluginFolders.HostPlugins())!, "innerwarden.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(host);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove("INNERWARDEN_CONFIG");
        info.Environment.Remove("INNERWARDEN_DATA_DIR");
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the host");
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Waits until the agent answers a ping on <paramref name="port"/> (it serves only after restoring its state).</summary>
    public async Task WaitUntilServingAsync(HttpClient http, int port, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using var reply = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/mesh/ping"));
                if (reply.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"the agent did not answer on port {port}:\n{Output}");
    }

    /// <summary>POSTs a signal in the original's JSON to an agent's <c>/mesh/signal</c>.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, int port, ThreatSignal signal)
    {
        using var content = new StringContent(ThreatSignalJson.ToJson(signal), Encoding.UTF8, "application/json");
        using var reply = await http.PostAsync(new Uri($"http://127.0.0.1:{port}/mesh/signal"), content);
        return (reply.StatusCode, await reply.Content.ReadAsStringAsync());
    }

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as <c>systemctl stop</c> sends it; returns the exit code once the agent has shut down.</summary>
    public async Task<int> TerminateAsync(TimeSpan limit)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        return await WaitForExitAsync(limit);
    }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public void Kill9()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill9();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.IntegrationTests.Netns;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>
/// A full disk under the state database: the real agent on a small tmpfs the test mounts as its data directory. What
/// cannot be committed is answered 503 with a reason (the sender retries), the agent keeps running, what was committed
/// before stays readable, and service is normal again once there is space.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x54, NodeIdentity.SeedLength).ToArray());
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private string? _mount;

    public void Dispose()
    {
        _http.Dispose();
        _peer.Dispose();
        if (_mount is not null)
        {
            Run("umount", "-l", _mount);
        }
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task A_full_disk_is_503_with_a_reason_and_service_returns_with_space()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "tmpfs");
        Skip.If(Environment.UserName != "root", "needs root to mount a tmpfs");
        Skip.If(NetnsPair.FindTool("mount") is null, "mount is missing");
        var data = Path.Combine(_dir.Path, "data");
        Directory.CreateDirectory(data);
        Assert.Equal(0, Run("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", data));
        _mount = data;
        int port = AgentProcess.FreePort();
        var config = AgentConfig.Write(_dir.Path, port, _peer.NodeId, "log-only", netns: null);
        using var agent = AgentProcess.Start("agent", "--config", config, "--data-dir", data);
        await agent.WaitUntilServingAsync(_http, port);
        var (status, body) = await AgentProcess.PostAsync(_http, port, TestMesh.Sign(_peer, "185.232.0.1", confidence: 0.95f));
        Assert.True(status == HttpStatusCode.OK && body.Contains("\"blocked_full\"", StringComparison.Ordinal), $"{status} {body}");

        // Fill the file system to the last byte.
        var filler = Path.Combine(data, "filler");
        FillUp(filler);
        // SQLite reuses the pages it already has: signals are sent until the database must grow (at most 400).
        var refused = new List<(int Index, ThreatSignal Signal, string Body)>();
        for (int i = 0; i < 400 && refused.Count == 0; i++)
        {
            var signal = TestMesh.Sign(_peer, Ip(i), confidence: 0.95f);
            (status, body) = await AgentProcess.PostAsync(_http, port, signal);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"signal {i}: {status} {body}");
            if (status == HttpStatusCode.ServiceUnavailable)
            {
                refused.Add((i, signal, body));
            }
        }
        Assert.True(refused.Count == 1, "the disk never filled up:\n" + agent.Output);
        Assert.Contains("disk full", refused[0].Body, StringComparison.Ordinal);
        // Still running, logging the failure once (not once per signal), and what was committed before is intact.
        for (int i = 0; i < 5; i++)
        {
            (status, _) = await AgentProcess.PostAsync(_http, port, TestMesh.Sign(_peer, Ip(1000 + i), confidence: 0.95f));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        }
        Assert.False(agent.HasExited, agent.Output);
        Assert.Equal(1, agent.Output.Split('\n').Count(l => l.Contains("state not saved to", StringComparison.Ordinal)));
        Assert.Contains("185.232.0.1", StagedIps(data));

        // Space again: a new signal is 200; the refused one, resent as the sender's outbox does, is 200 (a duplicate: its
        // changes were kept and are committed now), and every block is in the database.
        File.Delete(filler);
        (status, body) = await AgentProcess.PostAsync(_http, port, TestMesh.Sign(_peer, Ip(2000), confidence: 0.95f));
        Assert.True(status == HttpStatusCode.OK && body.Contains("\"blocked_full\"", StringComparison.Ordinal), $"{status} {body}");
        (status, body) = await AgentProcess.PostAsync(_http, port, refused[0].Signal);
        Assert.True(status == HttpStatusCode.OK && body.Contains("\"duplicate\"", StringComparison.Ordinal), $"{status} {body}");
        var staged = StagedIps(data);
        Assert.Contains(Ip(refused[0].Index), staged);
        Assert.Contains(Ip(2000), staged);
        Assert.Contains(Ip(1004), staged);
        Assert.Contains("state is saved to", agent.Output, StringComparison.Ordinal);
    }

    private static string Ip(int i) => string.Create(CultureInfo.InvariantCulture, $"185.233.{i / 250}.{(i % 250) + 1}");

    private static void FillUp(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }
        // The last partial block, byte by byte.
        try
        {
            while (true)
            {
                file.Write(block.AsSpan(0, 512));
            }
        }
        catch (IOException)
        {
            // Full to the last block.
        }
    }

    private static HashSet<string> StagedIps(string data)
    {
        using var connection = StateDatabase.OpenReadOnly(Path.Combine(data, StateDatabase.FileName));
        return [.. StateDatabase.ReadState(connection).Staged.Select(s => s.Ip)];
    }

    private static int Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}

using System.Net;
using InnerWarden.Mesh.Enforcers.Nftables;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.IntegrationTests.Netns;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>
/// What the agent does at start with a data directory it cannot trust: a corrupt database is moved aside and the
/// kernel's blocks are adopted (not flushed); a second agent on the same directory is refused before it touches a
/// firewall. The real agent process, the nftables enforcer in namespaces the test creates.
/// </summary>
public sealed class StartupGuardTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x53, NodeIdentity.SeedLength).ToArray());
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        _peer.Dispose();
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task A_corrupt_database_is_moved_aside_and_the_kernel_blocks_are_adopted_with_their_timeouts()
    {
        using var net = Setup();
        int port = AgentProcess.FreePort();
        var data = Path.Combine(_dir.Path, "data");
        var config = AgentConfig.Write(_dir.Path, port, _peer.NodeId, "nftables", net.Server);
        const string Ip = "185.231.0.1";
        using (var first = AgentProcess.Start("agent", "--config", config, "--data-dir", data))
        {
            await first.WaitUntilServingAsync(_http, port);
            var (status, body) = await AgentProcess.PostAsync(_http, port, TestMesh.Sign(_peer, Ip, confidence: 0.95f));
            Assert.True(status == HttpStatusCode.OK && body.Contains("\"blocked_full\"", StringComparison.Ordinal), $"{status} {body}");
            first.Kill9();
        }
        var db = Path.Combine(data, StateDatabase.FileName);
        // Garbage where the database was (a stray `dd`, a broken disk): SQLite refuses it. The WAL goes too, or SQLite
        // would read the newest pages from it.
        File.WriteAllBytes(db, Enumerable.Repeat((byte)0xA5, (int)new FileInfo(db).Length).ToArray());
        File.Delete(db + "-wal");
        File.Delete(db + "-shm");

        using var second = AgentProcess.Start("agent", "--config", config, "--data-dir", data);
        await second.WaitUntilServingAsync(_http, port);

        var aside = Directory.GetFiles(data, StateDatabase.FileName + ".corrupt-*").Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal)).ToList();
        Assert.True(aside.Count == 1, second.Output);
        Assert.Contains($"state database {db} is corrupt", second.Output, StringComparison.Ordinal);
        Assert.Contains("adopted 1 blocks from nftables", second.Output, StringComparison.Ordinal);
        // Not flushed: the kernel still drops it, with a timeout of about the full block's 24 hours left.
        var set = net.ExecInServer("nft", "list", "set", "inet", NftablesOptions.DefaultTable, NftScript.SetV4);
        Assert.Contains(Ip, set, StringComparison.Ordinal);
        Assert.Contains("expires 23h", set, StringComparison.Ordinal);
        // And the new database holds it: `mesh blocks` lists it.
        using var cli = AgentProcess.Start("mesh", "blocks", "--config", config, "--data-dir", data);
        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(Ip, cli.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_second_agent_on_the_same_data_dir_is_refused_before_it_touches_the_firewall()
    {
        using var net = Setup();
        using var other = NetnsPair.Create();
        int port = AgentProcess.FreePort();
        var data = Path.Combine(_dir.Path, "data");
        Directory.CreateDirectory(Path.Combine(_dir.Path, "a"));
        Directory.CreateDirectory(Path.Combine(_dir.Path, "b"));
        var configA = AgentConfig.Write(Path.Combine(_dir.Path, "a"), port, _peer.NodeId, "nftables", net.Server);
        // The second agent's firewall is another namespace: whatever it touched there would show.
        var configB = AgentConfig.Write(Path.Combine(_dir.Path, "b"), AgentProcess.FreePort(), _peer.NodeId, "nftables", other.Server);
        using var first = AgentProcess.Start("agent", "--config", configA, "--data-dir", data);
        await first.WaitUntilServingAsync(_http, port);

        using var second = AgentProcess.Start("agent", "--config", configB, "--data-dir", data);
        int exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 1, $"exit {exit}\n{second.Output}");
        Assert.Contains($"another agent is running on {data}", second.Output, StringComparison.Ordinal);
        Assert.Equal("", other.ExecInServer("nft", "list", "ruleset").Trim());
        // The first one is untouched and still serving.
        Assert.False(first.HasExited, first.Output);
        using var ping = await _http.GetAsync(new Uri($"http://127.0.0.1:{port}/mesh/ping"));
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
    }

    private static NetnsPair Setup()
    {
        return NetnsPair.CreateOrSkip("nft");
    }
}

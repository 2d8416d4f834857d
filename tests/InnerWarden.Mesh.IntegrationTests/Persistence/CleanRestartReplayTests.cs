using System.Net;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>
/// A replay after a clean restart (SIGTERM, as <c>systemctl restart</c> does): the real agent process, real HTTP on
/// loopback. The kill -9 case is in <see cref="KillNineTests"/>; this one covers the shutdown path, which must not
/// lose or drop the record of seen signals either.
/// </summary>
public sealed class CleanRestartReplayTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly NodeIdentity _peer = NodeIdentity.FromSeed(Enumerable.Repeat((byte)0x55, NodeIdentity.SeedLength).ToArray());
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        _peer.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_signal_replayed_after_a_clean_restart_is_a_duplicate_and_changes_no_counter()
    {
        int port = AgentProcess.FreePort();
        var data = Path.Combine(_dir.Path, "data");
        var config = AgentConfig.Write(_dir.Path, port, _peer.NodeId, "log-only", netns: null);
        var signal = TestMesh.Sign(_peer, "185.233.0.1", confidence: 0.95f);

        using (var first = AgentProcess.Start("agent", "--config", config, "--data-dir", data))
        {
            await first.WaitUntilServingAsync(_http, port);
            var (status, body) = await AgentProcess.PostAsync(_http, port, signal);
            Assert.True(status == HttpStatusCode.OK && body.Contains("\"blocked_full\"", StringComparison.Ordinal), $"{status} {body}");
            Assert.True(await first.TerminateAsync(TimeSpan.FromSeconds(60)) == 0, first.Output);
        }
        var before = StoredReputation.Read(data, _peer.NodeId);
        Assert.Equal(1, before.SignalsReceived);

        using var second = AgentProcess.Start("agent", "--config", config, "--data-dir", data);
        await second.WaitUntilServingAsync(_http, port);
        var (replayStatus, replayBody) = await AgentProcess.PostAsync(_http, port, signal);

        Assert.Equal(HttpStatusCode.OK, replayStatus);
        Assert.Contains("\"duplicate\"", replayBody, StringComparison.Ordinal);
        Assert.Equal(before, StoredReputation.Read(data, _peer.NodeId));
    }
}

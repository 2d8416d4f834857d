using System.Text.Json;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Cli;
using InnerWarden.Mesh.Host.Persistence;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Cli;

public sealed class MeshStateCommandsTests
{
    private static readonly string PeerKey = new('a', 64);
    private static readonly string Stranger = new('c', 64);
    private static readonly string Discovered = new('d', 64);

    private delegate int Handler(string dataDirectory, NodeSettings settings, bool json, TextWriter stdout, TextWriter stderr, TimeProvider time);

    [Fact]
    public void Status_json_reports_counts_by_action_and_quarantined_peers()
    {
        using var dir = Prepare();
        File.WriteAllBytes(dir.File(CliStateReader.IdentityFileName), Enumerable.Repeat((byte)1, 32).ToArray());

        var (code, output, _) = Invoke(StatusCommandHandler.Run, dir, json: true);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("initialized").GetBoolean());
        Assert.Equal(64, root.GetProperty("node_id").GetString()!.Length);
        Assert.Equal("nftables", root.GetProperty("enforcer").GetString());
        Assert.Equal(2, root.GetProperty("peers_configured").GetInt32());
        Assert.Equal(3, root.GetProperty("peers_known").GetInt32());
        Assert.Equal(1, root.GetProperty("peers_reachable").GetInt32());
        Assert.Equal(1, root.GetProperty("blocked_full").GetInt32());
        Assert.Equal(1, root.GetProperty("watchlisted").GetInt32());
        Assert.Equal(0, root.GetProperty("blocked_short_ttl").GetInt32());
        Assert.Equal([Stranger], root.GetProperty("quarantined_peers").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Status_text_counts_reachable_peers_and_says_1_address()
    {
        using var dir = Prepare();

        var (code, output, _) = Invoke(StatusCommandHandler.Run, dir, json: false);

        Assert.Equal(0, code);
        Assert.Contains("peers:         2 configured, 3 known, 1 reachable", output, StringComparison.Ordinal);
        Assert.Contains("enforcer:      nftables (1 address blocked)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("peers")]
    [InlineData("blocks")]
    public void Json_output_has_scores_to_4_places_and_no_escaped_plus_signs(string command)
    {
        var handler = HandlerFor(command);
        using var dir = Prepare();

        var (_, output, _) = Invoke(handler, dir, json: true);

        Assert.DoesNotContain("\\u", output, StringComparison.Ordinal);
        Assert.Contains("+00:00", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@": -?\d+\.\d{5,}", output);
        if (command == "blocks")
        {
            Assert.Contains("\"score\": 0.81,", output, StringComparison.Ordinal);
        }
        if (command == "peers")
        {
            Assert.Contains("\"trust\": 0.75,", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Peers_lists_configured_discovered_and_known_identities()
    {
        using var dir = Prepare();

        var (code, output, _) = Invoke(PeersCommandHandler.Run, dir, json: true);

        Assert.Equal(0, code);
        var rows = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(["config", "config", "discovered", "identity"], rows.Select(r => r.GetProperty("source").GetString()));
        Assert.Equal(0.75, rows[0].GetProperty("trust").GetDouble());
        Assert.True(rows[0].GetProperty("vouched").GetBoolean());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("node_id").ValueKind);
        Assert.Equal(Discovered, rows[2].GetProperty("node_id").GetString());
        Assert.True(rows[3].GetProperty("quarantined").GetBoolean());
    }

    [Fact]
    public void Peers_shows_why_an_unreachable_peer_cannot_be_reached_as_the_agent_last_saw_it()
    {
        using var dir = Prepare();

        var (_, json, _) = Invoke(PeersCommandHandler.Run, dir, json: true);
        var (code, table, _) = Invoke(PeersCommandHandler.Run, dir, json: false);

        var rows = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("problem").ValueKind);
        Assert.Equal(FarProblem, rows[2].GetProperty("problem").GetString());
        Assert.Equal(0, code);
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("PROBLEM", lines[0].TrimEnd(), StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("far", StringComparison.Ordinal) && l.Contains("no (open)", StringComparison.Ordinal)
            && l.TrimEnd().EndsWith(FarProblem, StringComparison.Ordinal));
    }

    [Fact]
    public void Blocks_table_shows_soonest_expiry_first_with_time_left()
    {
        using var dir = Prepare();

        var (code, output, _) = Invoke(BlocksCommandHandler.Run, dir, json: false);

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("IP", lines[0], StringComparison.Ordinal);
        Assert.Contains("watchlisted", lines[1], StringComparison.Ordinal);
        Assert.Contains("2h 00m", lines[1], StringComparison.Ordinal);
        Assert.Contains("blocked_full", lines[2], StringComparison.Ordinal);
        Assert.Contains("yes", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Blocks_json_has_stable_snake_case_fields()
    {
        using var dir = Prepare();

        var (_, output, _) = Invoke(BlocksCommandHandler.Run, dir, json: true);

        var first = JsonDocument.Parse(output).RootElement[1];
        Assert.Equal("185.220.1.7", first.GetProperty("ip").GetString());
        Assert.Equal(86_400, first.GetProperty("expires_in_secs").GetInt64());
        Assert.Equal(PeerKey, first.GetProperty("contributing_peers")[0].GetString());
        Assert.True(first.GetProperty("confirmed").GetBoolean());
    }

    [Theory]
    [InlineData("status")]
    [InlineData("peers")]
    [InlineData("blocks")]
    public void Missing_state_is_empty_and_corrupt_state_is_exit_1_with_a_message(string command)
    {
        var handler = HandlerFor(command);
        using var dir = new TempDirectory();

        Assert.Equal(0, Invoke(handler, dir, json: true).Code);
        File.WriteAllText(dir.File(StateDatabase.FileName), "{ garbage, not a database }");
        var (code, _, error) = Invoke(handler, dir, json: false);

        Assert.Equal(1, code);
        Assert.Contains(dir.File(StateDatabase.FileName), error, StringComparison.Ordinal);
        Assert.Equal("{ garbage, not a database }", File.ReadAllText(dir.File(StateDatabase.FileName))); // the CLI never changes the agent's file
    }

    private static Handler HandlerFor(string command) => command switch
    {
        "status" => StatusCommandHandler.Run,
        "peers" => PeersCommandHandler.Run,
        _ => BlocksCommandHandler.Run,
    };

    private const string FarProblem = "TLS handshake failed: peer speaks plain HTTP (list it as http://, or turn TLS on there)";

    private static TempDirectory Prepare()
    {
        var dir = new TempDirectory();
        var start = NodeHarness.Start;
        StateFiles.WriteAsync(dir.Path, new MeshState(MeshState.CurrentVersion, null, "nftables", start,
            [new PersistedPeer("http://151.101.1.1:8790/", PeerKey, "a", "config", Reachable: true), new PersistedPeer("http://151.101.9.9:8790/", Discovered, "far", "discovered", Reachable: false, Circuit: "open", Problem: FarProblem)],
            [
                new PeerReputation(PeerKey, 0.7500000000000002, 3, 1, 9, null, start, start, true),
                new PeerReputation(Stranger, 0.05, 0, 2, 60, start.AddMinutes(30), start, start, false),
            ],
            [
                new PersistedEntry("185.220.1.7", "blocked_full", 0.8100000023841858, "ssh_bruteforce", start, start.AddHours(24), [PeerKey], true, false),
                new PersistedEntry("185.220.1.8", "watchlisted", 0.4, "port_scan", start, start.AddHours(2), [Stranger], false, false),
            ],
            []), new FakeTimeProvider(start)).GetAwaiter().GetResult();
        return dir;
    }

    private static NodeSettings Settings(string dataDirectory) => new("0.0.0.0:8790", dataDirectory, TimeSpan.FromSeconds(30), true, 50, 10_000, 0.7,
        [new PeerInfo(new Uri("http://151.101.1.1:8790"), PeerKey, "a"), new PeerInfo(new Uri("http://151.101.2.2:8790"), null, "b")], []);

    private static (int Code, string Output, string Error) Invoke(Handler handler, TempDirectory dir, bool json)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = handler(dir.Path, Settings(dir.Path), json, stdout, stderr, new FakeTimeProvider(NodeHarness.Start));
        return (code, stdout.ToString(), stderr.ToString());
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden demo</c>: the seed's story, live. Three real nodes (HTTP transport on loopback, tit-for-tat,
/// threshold staging, log-only enforcer) in one process with temporary data dirs. Node A sees an SSH brute-force and
/// broadcasts; B and C verify, weigh and stage; B confirms (trust up, block to 24h); C's short block expires
/// unconfirmed (reverted, trust down). C runs with a shortened short-block TTL so the expiry happens while you watch.
/// </summary>
internal static class DemoCommandHandler
{
    private const string Attacker = "185.220.1.7";
    private const double TrustOnB = 0.85;
    private const double TrustOnC = 0.70;
    private const float Confidence = 0.92f;

    /// <summary>The exit code of a demo stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    internal const int Interrupted = 130;

    public static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, TimeSpan shortBlockOnC, CancellationToken cancellationToken, string? pluginDirectory = null)
    {
        var root = Directory.CreateTempSubdirectory("innerwarden-demo-");
        var started = DateTimeOffset.UtcNow;
        var output = TextWriter.Synchronized(stdout);
        var nodes = new List<DemoNode>();
        try
        {
            await output.WriteLineAsync("InnerWarden.Mesh demo: three nodes on loopback, log-only enforcer (no firewall is touched), no root needed.");
            await output.WriteLineAsync($"Data dirs under {root.FullName} (removed at the end).");
            await output.WriteLineAsync($"Time is real; only node C's short-block TTL is shortened (1h -> {shortBlockOnC.TotalSeconds:0}s) so an expiry happens in the demo.");
            await output.WriteLineAsync();

            var names = new[] { "A", "B", "C" };
            var ports = names.Select(_ => FreeLoopbackPort()).ToArray();
            var ids = new string[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                var dir = Path.Combine(root.FullName, "node-" + names[i].ToLowerInvariant());
                Directory.CreateDirectory(dir);
                using var identity = NodeIdentity.LoadOrCreate(dir);
                ids[i] = identity.NodeId;
            }
            var label = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++)
            {
                label[ids[i]] = names[i];
            }
            var catalogs = new PluginCatalogCache();
            for (var i = 0; i < names.Length; i++)
            {
                // https: what default nodes serve (each makes its certificate into its data dir on start).
                var peers = Enumerable.Range(0, names.Length).Where(j => j != i)
                    .Select(j => new PeerInfo(new Uri($"https://127.0.0.1:{ports[j]}"), ids[j], "node-" + names[j].ToLowerInvariant()))
                    .ToList();
                var settings = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
                if (names[i] == "C")
                {
                    settings["threshold"] = new Dictionary<string, string>
                    {
                        ["block_short_ttl_secs"] = ((int)shortBlockOnC.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                    };
                }
                var config = MeshConfig.Default with
                {
                    Enabled = true,
                    Bind = $"127.0.0.1:{ports[i]}",
                    PollSecs = 1,
                    // Only A tells the story's signal; B's confirmation stays local so C's expiry is A's alone.
                    AutoBroadcast = names[i] == "A",
                    InitialTrust = names[i] switch { "B" => TrustOnB, "C" => TrustOnC, _ => 0.5 },
                    Peers = peers,
                    Plugins = new PluginSelection("http", "tit-for-tat", "threshold", PluginSelection.LogOnly, []),
                    PluginSettings = settings,
                    PluginDirectory = pluginDirectory,
                };
                var dir = Path.Combine(root.FullName, "node-" + names[i].ToLowerInvariant());
                var composed = NodeComposer.Compose(config, dir, new NodeCompositionOptions(TimeProvider.System, NullLoggerFactory.Instance, Catalogs: catalogs));
#pragma warning disable CA2000 // Owned by the DemoNode, disposed in the finally below.
                var demo = new DemoNode(names[i], composed, new MeshNode(composed.Parts));
#pragma warning restore CA2000
                nodes.Add(demo);
                demo.Node.Observer = e => Narrate(output, started, demo.Name, e, label);
            }
            foreach (var n in nodes)
            {
                await n.Node.StartAsync(cancellationToken);
            }
            await output.WriteLineAsync($"Started: A {Short(ids[0])} on :{ports[0]}, B {Short(ids[1])} on :{ports[1]} (trusts A {TrustOnB:0.00}), C {Short(ids[2])} on :{ports[2]} (trusts A {TrustOnC:0.00}).");
            await output.WriteLineAsync();

            await output.WriteLineAsync($"1. Node A detects an SSH brute-force from {Attacker} (confidence {Confidence:0.00}).");
            var a = nodes[0];
            var b = nodes[1];
            var c = nodes[2];
            await a.Node.HandleLocalDetectionAsync(
                new Detection(IPAddress.Parse(Attacker), "ssh_bruteforce", Confidence, "demo: 12 failed logins for root", DateTimeOffset.UtcNow), cancellationToken);
            await WaitUntil(() => HasEntry(b) && HasEntry(c), TimeSpan.FromSeconds(15), cancellationToken);
            await Task.Delay(200, cancellationToken);
            await output.WriteLineAsync();

            await output.WriteLineAsync($"2. Node B later sees {Attacker} attacking its own SSH.");
            await b.Node.HandleLocalDetectionAsync(
                new Detection(IPAddress.Parse(Attacker), "ssh_bruteforce", 0.9f, "demo: 6 failed logins on B", DateTimeOffset.UtcNow), cancellationToken);
            await b.Node.FlushAsync();
            await output.WriteLineAsync();

            await output.WriteLineAsync($"3. Nobody confirms on C; its short block runs out ({shortBlockOnC.TotalSeconds:0}s here).");
            await WaitUntil(() => !HasEntry(c), shortBlockOnC + TimeSpan.FromSeconds(15), cancellationToken);
            await c.Node.FlushAsync();
            await Task.Delay(200, cancellationToken);
            await output.WriteLineAsync();

            var ok = WriteSummary(output, nodes, ids[0]);
            await output.WriteLineAsync();
            await output.WriteLineAsync(ok
                ? "Attack one node, protect all others: A blocked it, B and C staged it from A's signed signal, B's own sighting raised A's trust and made the block 24h, C's unconfirmed block was reverted and cost A trust."
                : "The demo did not unfold as expected; see the table above.");
            return ok ? CliOutput.Success : CliOutput.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: the nodes stop and the temporary data dirs go (finally below); 130 as a shell reports SIGINT.
            await stderr.WriteLineAsync("innerwarden demo: interrupted; the nodes are stopped and their temporary data dirs removed");
            return Interrupted;
        }
        catch (TimeoutException e)
        {
            await stderr.WriteLineAsync($"innerwarden demo: {e.Message}");
            WriteSummary(output, nodes, nodes.Count > 0 ? nodes[0].Node.NodeId : "");
            return CliOutput.Failure;
        }
        finally
        {
            foreach (var n in nodes)
            {
                await n.Node.DisposeAsync();
                await n.Composed.DisposeAsync();
            }
            try
            {
                root.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A temp dir left behind is harmless; the demo's result stands.
            }
        }
    }

    private static bool WriteSummary(TextWriter output, IReadOnlyList<DemoNode> nodes, string aId)
    {
        output.WriteLine("Summary");
        output.WriteLine($"{"node",-5} {"trust in A",-11} {"entry for " + Attacker,-28} {"firewall (log-only)",-20}");
        var rows = new Dictionary<string, (double? Trust, StagedView? Entry)>();
        foreach (var n in nodes)
        {
            var snapshot = n.Node.Snapshot();
            double? trust = n.Name == "A" ? null : snapshot.Reputations.FirstOrDefault(r => r.NodeId == aId)?.Trust;
            var entry = snapshot.Staged.FirstOrDefault(e => e.Ip.ToString() == Attacker);
            var view = entry is null ? null : new StagedView(entry.Action, entry.ExpiresAt - DateTimeOffset.UtcNow, entry.Confirmed);
            rows[n.Name] = (trust, view);
            var entryText = view is null ? "none (reverted)" : $"{view.Action.ToWire()} {Ttl(view.Remaining)}{(view.Confirmed ? " confirmed" : "")}";
            var firewall = view is { } v && v.Action is SignalAction.BlockedShortTtl or SignalAction.BlockedFull ? "would drop" : "not blocked";
            output.WriteLine($"{n.Name,-5} {(trust is { } t ? t.ToString("0.00", CultureInfo.InvariantCulture) : "(self)"),-11} {entryText,-28} {firewall,-20}");
        }
        return rows.TryGetValue("B", out var b) && rows.TryGetValue("C", out var c) && rows.TryGetValue("A", out var a)
            && a.Entry is { Action: SignalAction.BlockedFull or SignalAction.BlockedShortTtl }
            && b.Entry is { Action: SignalAction.BlockedFull, Confirmed: true } && b.Trust > TrustOnB
            && c.Entry is null && c.Trust < TrustOnC;
    }

    private static void Narrate(TextWriter output, DateTimeOffset started, string node, NodeEvent e, Dictionary<string, string> label)
    {
        var at = $"[{(DateTimeOffset.UtcNow - started).TotalSeconds,6:0.000}s] {node}:";
        var peer = e.Peer is { } p ? (label.TryGetValue(p, out var l) ? l : Short(p)) : "?";
        var line = e.Kind switch
        {
            NodeEventKind.Broadcast => $"signs {e.Detail} for {e.Ip} with Ed25519 and broadcasts it to its peers",
            NodeEventKind.SignalReceived when e.Action is SignalAction.Rejected or SignalAction.Quarantined =>
                $"refused a signal from {peer}: {e.Action?.ToWire()} ({e.Detail})",
            NodeEventKind.SignalReceived =>
                $"verified {peer}'s signature; score = trust {e.TrustBefore:0.00} x confidence = {e.Score:0.000} -> {e.Action?.ToWire()}",
            NodeEventKind.Staged when e.Peer is not null && label.TryGetValue(e.Peer, out var who) && who == node =>
                $"blocks {e.Ip} itself ({e.Action?.ToWire()}, {Ttl(e.Ttl)})",
            NodeEventKind.Staged => $"staged {e.Ip}: {e.Action?.ToWire()} for {Ttl(e.Ttl)}",
            NodeEventKind.Confirmed => $"confirms {e.Ip} by its own observation -> {e.Action?.ToWire()} for {Ttl(e.Ttl)}",
            NodeEventKind.TrustChanged => $"trust in {peer} {e.TrustBefore:0.00} -> {e.TrustAfter:0.00} ({e.Detail})",
            NodeEventKind.Expired => $"entry for {e.Ip} expired {e.Detail}: block reverted",
            NodeEventKind.Refused => $"refused to block {e.Ip}: {e.Detail}",
            _ => e.Kind.ToString(),
        };
        output.WriteLine($"{at} {line}");
    }

    private static bool HasEntry(DemoNode node) => node.Node.Snapshot().Staged.Any(e => e.Ip.ToString() == Attacker);

    private static async Task WaitUntil(Func<bool> condition, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"the demo waited {limit.TotalSeconds:0}s for a step that did not happen");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Short(string nodeId) => nodeId.Length > 12 ? nodeId[..12] : nodeId;

    private static string Ttl(TimeSpan? ttl) => ttl switch
    {
        null => "-",
        { TotalHours: >= 1 } t => $"{Math.Round(t.TotalHours):0}h",
        { TotalMinutes: >= 1 } t => $"{Math.Round(t.TotalMinutes):0}m",
        { } t => $"{Math.Max(0, Math.Round(t.TotalSeconds)):0}s",
    };

    private sealed record DemoNode(string Name, ComposedNode Composed, MeshNode Node);

    private sealed record StagedView(SignalAction Action, TimeSpan Remaining, bool Confirmed);
}

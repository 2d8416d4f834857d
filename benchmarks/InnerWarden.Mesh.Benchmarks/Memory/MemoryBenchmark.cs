using System.Diagnostics;
using InnerWarden.Mesh.Benchmarks.Mesh;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;

namespace InnerWarden.Mesh.Benchmarks.Memory;

/// <summary>
/// Resident memory of a node after N valid signals from K identities through the in-process pipeline (JSON parse
/// + submit), and again after a second N: the node's bounded maps (seen signatures, rate windows, reputations,
/// staging) must keep it under the target and flat. Signals are signed and fed in chunks so the benchmark's own
/// corpus never sits in memory; the first <see cref="VouchedCount"/> identities are vouched for, so staging and the
/// enforcement queue hold entries too. The audit log is flushed before each reading so its queue is empty. Every
/// reply waits for its commit (<see cref="SliceSubmitter"/>), and the state database's size is read beside RSS.
/// </summary>
internal static class MemoryBenchmark
{
    private const long TargetBytes = 300L * 1024 * 1024;
    private const long DatabaseTargetBytes = 200L * 1024 * 1024;
    private const int Chunk = SignalFactory.MaxLiveKeys;
    private const int VouchedCount = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions("memory", ("signals", 1_000_000, 1, 50_000_000), ("identities", 100_000, 1, 10_000_000), ("pause", 0, 0, 3600));
        if (!options.TryParse(args))
        {
            return 2;
        }
        int count = options["signals"], identities = options["identities"];
        int threads = Environment.ProcessorCount;
        Console.WriteLine($"memory: 2 x {count:N0} signals from {identities:N0} identities ({Math.Min(VouchedCount, identities)} vouched); {MachineInfo.Describe()}");
        var clock = Stopwatch.StartNew();
        using var factory = new SignalFactory(identities, threads);
        Console.WriteLine($"{identities:N0} identities in {clock.Elapsed.TotalSeconds:0.0} s");
        await using var node = await BenchNode.StartAsync(factory.NodeIds(VouchedCount), bind: null, CancellationToken.None);

        long before = MachineInfo.ResidentAfterCollect();
        var origin = new SignalOrigin("127.0.0.1", "json");
        long refused = 0;
        long fed = 0;
        var readings = new List<(long Signals, long Rss, long Managed, long Committed, long Database)>();
        for (int round = 0; round < 2; round++)
        {
            clock.Restart();
            for (long end = fed + count; fed < end;)
            {
                int size = (int)Math.Min(Chunk, end - fed);
                var signals = factory.Sign(fed, size, threads);
                var json = signals.Select(ThreatSignalJson.ToUtf8Bytes).ToArray();
                Partitioned.Run(threads, size, (from, to) =>
                {
                    var verdicts = new long[Enum.GetValues<SignalAction>().Length];
                    SliceSubmitter.Submit(node.Pipeline, origin, json, from, to, verdicts);
                    Interlocked.Add(ref refused, verdicts[(int)SignalAction.Rejected] + verdicts[(int)SignalAction.Quarantined] + verdicts[(int)SignalAction.Duplicate]);
                });
                fed += size;
            }
            await node.Node.FlushAsync();
            long rss = MachineInfo.ResidentAfterCollect();
            readings.Add((fed, rss, GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo().TotalCommittedBytes, DatabaseBytes(node)));
            Console.WriteLine($"round {round + 1}: {count:N0} signals signed and judged in {clock.Elapsed.TotalSeconds:0.0} s");
        }

        if (options["pause"] > 0)
        {
            // Time to take a heap dump of the node as measured (dotnet-gcdump collect -p PID).
            Console.WriteLine($"pausing {options["pause"]} s: pid {Environment.ProcessId}");
            await Task.Delay(TimeSpan.FromSeconds(options["pause"]));
        }
        var snapshot = node.Node.Snapshot();
        Console.WriteLine();
        // Committed: what the GC holds from the OS (live objects plus free space it keeps); the rest of RSS is native.
        // Database: mesh.db with its -wal, every signal still inside its replay window (nothing was old enough to prune).
        Console.WriteLine("| after | RSS (MB) | managed heap (MB) | GC committed (MB) | database (MB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine($"| node started, {identities:N0} signing keys loaded | {Mb(before):0.0} | - | - | - |");
        foreach (var (signals, rss, managed, committed, database) in readings)
        {
            Console.WriteLine($"| {signals:N0} signals | {Mb(rss):0.0} | {Mb(managed):0.0} | {Mb(committed):0.0} | {Mb(database):0.0} |");
        }
        long growth = readings[1].Rss - readings[0].Rss;
        Console.WriteLine($"growth over the second {count:N0}: {Mb(growth):+0.0;-0.0} MB; staged {snapshot.Staged.Count:N0}, reputations {snapshot.Reputations.Count:N0}; refused {refused:N0}");
        bool under = readings.Max(r => r.Rss) < TargetBytes;
        bool small = readings[0].Database < DatabaseTargetBytes;
        // Flat: the second round may not add more than 10% of the first reading (GC and allocator noise).
        bool flat = growth <= readings[0].Rss / 10;
        Console.WriteLine($"target < {Mb(TargetBytes):0} MB: {(under ? "met" : "NOT met")}; flat: {(flat ? "yes" : "NO")}; " +
            $"database after {count:N0} signals < {Mb(DatabaseTargetBytes):0} MB: {(small ? "met" : "NOT met")}");
        if (refused > 0)
        {
            Console.WriteLine($"{refused:N0} valid signals were refused: the run is not a valid measurement");
            return 1;
        }
        return 0;
    }

    private static double Mb(long bytes) => bytes / (1024d * 1024d);

    private static long DatabaseBytes(BenchNode node)
    {
        long total = 0;
        foreach (var suffix in new[] { "", "-wal" })
        {
            var file = new FileInfo(node.Node.Store.FilePath + suffix);
            total += file.Exists ? file.Length : 0;
        }
        return total;
    }
}

using System.Diagnostics;
using InnerWarden.Mesh.Benchmarks.Mesh;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Audit;

namespace InnerWarden.Mesh.Benchmarks.Audit;

/// <summary>
/// Issue 13 item 3: what a flood of valid signals from identities nobody vouched for costs on disk. The same signals through a
/// real node twice: with the unknown signers' budget off (every signal a line, as before the budget) and at the default
/// (<see cref="AuditOptions.DefaultUnknownLinesPerMinute"/> full lines a minute, the rest counted). Bytes are what the audit
/// files hold after the flush; the hourly figures project both onto the issue's 3,300 signals/s.
/// </summary>
internal static class AuditBenchmark
{
    private const double FloodRate = 3_300;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions("audit", ("signals", 100_000, 1, 5_000_000), ("identities", 1_000, 1, SignalFactory.MaxLiveKeys));
        if (!options.TryParse(args))
        {
            return 2;
        }
        int count = options["signals"];
        Console.WriteLine($"audit: {count:N0} signals from {options["identities"]:N0} unknown identities; {MachineInfo.Describe()}");
        using var factory = new SignalFactory(options["identities"], Environment.ProcessorCount);
        var json = new List<byte[]>(count);
        // The factory signs at most MaxLiveKeys per call when it does not keep every identity's key.
        for (int first = 0; first < count; first += SignalFactory.MaxLiveKeys)
        {
            json.AddRange(factory.Sign(first, Math.Min(SignalFactory.MaxLiveKeys, count - first), Environment.ProcessorCount).Select(ThreatSignalJson.ToUtf8Bytes));
        }

        var before = await FloodAsync([.. json], AuditOptions.Default with { UnknownLinesPerMinute = 1_000_000 });
        var after = await FloodAsync([.. json], AuditOptions.Default);

        Console.WriteLine();
        Console.WriteLine("| audit of unknown signers | lines | bytes | bytes per signal | flood took (s), UTC minutes | projected per hour at 3,300/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Row("one line per signal (budget off)", before, Projected(before));
        Row($"default ({AuditOptions.DefaultUnknownLinesPerMinute} full lines a minute, the rest counted)", after, Projected(after));
        bool ok = before.Correct && after.Correct;
        Console.WriteLine(ok ? "every signal got the expected verdict" : "some signals got an unexpected verdict (see above)");
        return ok ? 0 : 1;

        static void Row(string label, Flood f, double perHour) =>
            Console.WriteLine($"| {label} | {f.Lines:N0} | {f.Bytes:N0} | {f.Bytes / (double)f.Signals:N2} | {f.Elapsed.TotalSeconds:0.0}, {f.Minutes} | {Size(perHour)} |");
    }

    // Budget off: every signal is a line. With the budget: a minute of flood holds at most the budget's full lines and one
    // summary line per verdict and reason, whatever the rate, so the hour is 60 such minutes (what this run wrote per minute).
    private static double Projected(Flood f) =>
        !f.Counted ? f.Bytes / (double)f.Signals * FloodRate * 3600 : f.Bytes / (double)f.Minutes * 60;

    private static string Size(double bytes) => bytes >= 1e9 ? $"{bytes / 1e9:0.0} GB" : bytes >= 1e6 ? $"{bytes / 1e6:0.0} MB" : $"{bytes / 1e3:0.0} kB";

    private static async Task<Flood> FloodAsync(byte[][] json, AuditOptions audit)
    {
        await using var node = await BenchNode.StartAsync([], bind: null, CancellationToken.None, audit);
        var verdicts = new long[Enum.GetValues<SignalAction>().Length];
        var wall = Stopwatch.StartNew();
        Partitioned.Run(Environment.ProcessorCount, json.Length, (from, to) =>
        {
            var mine = new long[verdicts.Length];
            SliceSubmitter.Submit(node.Pipeline, new SignalOrigin("127.0.0.1", "json"), json, from, to, mine);
            for (int a = 0; a < mine.Length; a++)
            {
                Interlocked.Add(ref verdicts[a], mine[a]);
            }
        });
        var elapsed = wall.Elapsed;
        // Stopping writes the counts of the minute still open, as a stopping agent does.
        await node.StopNodeAsync();
        var files = AuditLog.Files(node.DataDirectory);
        long bytes = files.Sum(f => new FileInfo(f).Length);
        long lines = files.Sum(f => File.ReadLines(f).LongCount());
        // The UTC minutes the flood's lines fall in ("logged_at":"YYYY-MM-DDTHH:MM...), a summary's at its minute's start.
        int minutes = files.SelectMany(File.ReadLines)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (e.TryGetProperty("window_start", out var w) ? w : e.GetProperty("logged_at")).GetDateTimeOffset().UtcTicks / TimeSpan.TicksPerMinute)
            .Distinct().Count();
        bool correct = verdicts[(int)SignalAction.Discarded] == json.Length;
        if (!correct)
        {
            Console.WriteLine($"{json.Length - verdicts[(int)SignalAction.Discarded]:N0} signals were not discarded");
        }
        return new Flood(json.Length, lines, bytes, Counted: lines < json.Length, minutes, elapsed, correct);
    }

    private sealed record Flood(long Signals, long Lines, long Bytes, bool Counted, int Minutes, TimeSpan Elapsed, bool Correct);
}

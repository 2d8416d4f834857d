using System.Net;
using InnerWarden.Mesh.Benchmarks.Mesh;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Signals;
using InnerWarden.Mesh.Host.Validation;

namespace InnerWarden.Mesh.Benchmarks.Pipeline;

/// <summary>
/// Where one signal's time goes: each of the pipeline's stages run alone over a sample on one thread (in
/// <see cref="InboundPipeline"/>'s order, on a fresh node's own rate limiter, reputation book and staging
/// coordinator), in microseconds of this thread's CPU per signal, beside bare Ed25519 and the whole submit.
/// The audit line's serialization runs on the audit log's background writer, so it is listed apart.
/// </summary>
internal static class StageBreakdown
{
    public static async Task WriteAsync(byte[][] json, ThreatSignal[] signals, RawVerifier raw)
    {
        int n = Math.Min(json.Length, 20_000);
        var sample = signals[..n];
        var rows = new List<(string Step, double Micros, double Bytes)>();
        double Time(string step, Action<int> body)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = ThreadCpu();
            for (int i = 0; i < n; i++)
            {
                body(i);
            }
            double micros = (ThreadCpu() - cpu).TotalMicroseconds / n;
            rows.Add((step, micros, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)n));
            return micros;
        }

        await using var node = await BenchNode.StartAsync([], bind: null, CancellationToken.None);
        var validator = new SignalValidator(new AddressPolicy([], () => []), TimeProvider.System);
        var seen = new SeenSignals(TimeProvider.System);
        var book = node.Node.Reputations;
        var now = DateTimeOffset.UtcNow;
        var ips = new IPAddress[n];
        var canonical = new byte[4096];
        Time("parse JSON", i => _ = ThreatSignalJson.Parse(json[i]));
        Time("validate fields (hex, detector, signature form, confidence, ip + address policy)", i => ips[i] = validator.CheckFields(sample[i]).Ip!);
        Time("freshness", i => _ = validator.CheckFreshness(sample[i]));
        Time("dedup lookup", i => _ = seen.Contains(sample[i].Signature));
        Time("canonical bytes (part of verify)", i => _ = SignalCanonicalForm.TryWrite(sample[i], canonical, out _));
        double verify = Time("verify (decode key + signature, canonical form, Ed25519)", i => _ = SignalVerifier.Verify(sample[i]));
        Time("dedup insert", i => _ = seen.TryAdd(sample[i].Signature));
        Time("rate limit", i => _ = node.Node.RateLimiter.Check(sample[i].NodeId, now));
        Time("reputation + weigh", i => _ = book.Policy.Weigh(book.RecordSignal(sample[i].NodeId, now), sample[i].Confidence, now));
        Time("stage (threshold pool via coordinator)", i => _ = node.Node.Coordinator.Stage(
            new StageRequest(ips[i], sample[i].NodeId, 0, sample[i].Detector, TimeSpan.FromHours(1), Local: false, now)));
        var auditDir = Directory.CreateTempSubdirectory("innerwarden-bench-audit-");
        try
        {
            await using var audit = new AuditLog(auditDir.FullName, AuditOptions.Default, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            audit.Start();
            AuditRecord Line(int i) => new(now, "received", sample[i].NodeId, sample[i].Ip, sample[i].Detector, sample[i].Confidence,
                sample[i].TtlSecs, sample[i].Timestamp, sample[i].Signature, "discarded", "None", null, 0, "127.0.0.1", null);
            // One pass first, so the log's batch buffers have grown to a batch's size (as in a running node).
            for (int i = 0; i < n; i++)
            {
                audit.Write(Line(i));
            }
            await audit.FlushAsync();
            var process = CpuClock.Process();
            var thread = ThreadCpu();
            Time("audit line (formatted into the batch)", i => audit.Write(Line(i)));
            await audit.FlushAsync();
            // What the process spent beyond this thread's formatting: the writer's batched writes to the file.
            double background = ((CpuClock.Process() - process) - (ThreadCpu() - thread)).TotalMicroseconds / n;
            rows.Add(("(background) audit writer: batches to the file, process CPU", Math.Max(0, background), double.NaN));
        }
        finally
        {
            auditDir.Delete(recursive: true);
        }
        double stages = rows.Where(r => !r.Step.StartsWith("canonical", StringComparison.Ordinal) && !r.Step.StartsWith("(background)", StringComparison.Ordinal))
            .Sum(r => r.Micros);
        double bare = 1e6 / raw.Measure(1);
        await using var fresh = await BenchNode.StartAsync([], bind: null, CancellationToken.None);
        var origin = new SignalOrigin("127.0.0.1", "json");
        // Its plugins' code starts cold (fresh load contexts): warm it twice, with pauses for tiered compilation
        // (see PipelineBenchmark), on signals the timed loop does not use.
        int warmEnd = Math.Min(json.Length, 2 * n);
        foreach (var (from, to) in new[] { (n, (n + warmEnd) / 2), ((n + warmEnd) / 2, warmEnd) })
        {
            SliceSubmitter.Submit(fresh.Pipeline, origin, json, from, to, new long[Enum.GetValues<SignalAction>().Length]);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        // The replies wait for their commit (on the store's writer thread); this thread's CPU is timed, then they are collected.
        var replies = new ValueTask<SignalVerdict>[n];
        double full = Time("whole: parse + SubmitAsync (its commit on the writer thread)", i => replies[i] = fresh.Pipeline.SubmitAsync(ThreatSignalJson.Parse(json[i]).Signal!, origin, CancellationToken.None));
        foreach (var reply in replies)
        {
            _ = await reply;
        }

        Console.WriteLine();
        Console.WriteLine($"Breakdown: each stage alone over {n:N0} signals on 1 thread, CPU microseconds and bytes allocated per signal (unknown signers).");
        Console.WriteLine("| stage | us/signal | bytes/signal |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (step, micros, bytes) in rows)
        {
            Console.WriteLine($"| {step} | {micros:0.00} | {(double.IsNaN(bytes) ? "" : bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))} |");
        }
        Console.WriteLine($"| bare Ed25519 verify (wall) | {bare:0.00} | |");
        Console.WriteLine($"| sum of the stages (foreground) | {stages:0.00} | |");
        Console.WriteLine($"| not Ed25519 in the whole submit | {full - bare:0.00} ({(full - bare) / full:P0}); host verify's own overhead {verify - bare:0.00} | |");
    }

    private static TimeSpan ThreadCpu() => CpuClock.Thread();
}

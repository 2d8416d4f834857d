using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using InnerWarden.Mesh.Benchmarks.Mesh;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Benchmarks.Http;

/// <summary>
/// A live node (http transport on 127.0.0.1, log-only enforcer, max_signals_per_hour 1,000,000) driven from this
/// process by C concurrent HTTP/1.1 connections for S seconds per encoding: JSON single (<c>POST /mesh/signal</c>),
/// MessagePack single, MessagePack batch (<c>POST /mesh/signals</c>, B per request). Every signal is distinct and
/// valid (signers unknown to the node: verified, counted, discarded at trust 0). Reported beside bare Ed25519
/// verify/s on all cores in the same run, with a CPU breakdown per signal: the driver shares the machine with the
/// node, as a real sender on the same box would.
/// </summary>
internal static class HttpBenchmark
{
    private const double BatchTarget = 0.60;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions("http",
            ("seconds", 10, 1, 600), ("concurrency", 16, 1, 1024), ("identities", 1_000, 1, SignalFactory.MaxLiveKeys), ("batch", 100, 1, 1000));
        if (!options.TryParse(args))
        {
            return 2;
        }
        int seconds = options["seconds"], concurrency = options["concurrency"], batch = options["batch"];
        int threads = Environment.ProcessorCount;
        Console.WriteLine($"http: {seconds} s per encoding, {concurrency} connections, batches of {batch}, {options["identities"]:N0} identities; {MachineInfo.Describe()}");
        using var factory = new SignalFactory(options["identities"], threads);

        // The physical limit, and from it how many signals a mode could possibly use (it cannot beat bare verify).
        long next = 0;
        var sample = factory.Sign(next, Math.Min(20_000, 2_000 * seconds), threads);
        var raw = new RawVerifier(factory, next, sample);
        next += sample.Length;
        raw.Measure(threads);
        var (raw1, rawCpu1) = MeasureRaw(raw, threads);
        int pool = (int)Math.Min(int.MaxValue / 2, raw1 * seconds * 1.1) + 2_000 + batch;

        int port = FreeLoopbackPort();
        await using var node = await BenchNode.StartAsync([], $"127.0.0.1:{port}", CancellationToken.None);
#pragma warning disable CA2000 // The handler is owned by the client (disposeHandler: true).
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        }, disposeHandler: true)
        { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
#pragma warning restore CA2000

        var modes = new (string Label, string Path, string ContentType, int PerRequest)[]
        {
            ("JSON single", "/mesh/signal", "application/json", 1),
            ("MessagePack single", "/mesh/signal", "application/x-msgpack", 1),
            ($"MessagePack batch of {batch}", "/mesh/signals", "application/x-msgpack", batch),
        };
        var results = new List<Result>();
        foreach (var (label, path, contentType, perRequest) in modes)
        {
            var clock = Stopwatch.StartNew();
            var signals = factory.Sign(next, pool, threads);
            next += pool;
            var bodies = Encode(signals, contentType, perRequest);
            signals = null;
            Console.WriteLine($"{label}: signed and encoded {pool:N0} signals in {clock.Elapsed.TotalSeconds:0.0} s");
            results.Add(await DriveAsync(client, node, label, path, contentType, perRequest, bodies, seconds, concurrency));
        }
        var (raw2, rawCpu2) = MeasureRaw(raw, threads);
        double limit = Math.Max(raw1, raw2);
        // CPU microseconds one bare verify costs: the CPU ratio is immune to other work on the machine.
        double verifyCpu = Math.Min(rawCpu1, rawCpu2);

        Console.WriteLine();
        Console.WriteLine($"| encoding ({concurrency} connections) | signals/s | ratio to raw verify | requests/s | p50 ms | p99 ms | CPU us/signal | CPU ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| raw NSec Ed25519 verify, {threads} threads (best of {raw1:N0}, {raw2:N0}) | {limit:N0} | 1.00 | | | | {verifyCpu:0.0} | 1.00 |");
        foreach (var r in results)
        {
            Console.WriteLine($"| {r.Label} | {r.SignalsPerSecond:N0} | {r.SignalsPerSecond / limit:0.00} | {r.RequestsPerSecond:N0} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.CpuMicrosPerSignal:0.0} | {verifyCpu / r.CpuMicrosPerSignal:0.00} |");
        }
        Console.WriteLine();
        Console.WriteLine("CPU per signal = process CPU time (node + driver) / signals; beyond the Ed25519 share it is HTTP (Kestrel and HttpClient), parsing and the pipeline.");
        bool ok = results.All(r => r.Failures == 0 && r.Signals > 0);
        var batchRatio = results[^1].SignalsPerSecond / limit;
        var batchCpuRatio = verifyCpu / results[^1].CpuMicrosPerSignal;
        Console.WriteLine($"MessagePack batch at {batchRatio:0.00} of raw verify (wall), {batchCpuRatio:0.00} (CPU); target >= {BatchTarget:0.00}: "
            + (batchRatio >= BatchTarget || batchCpuRatio >= BatchTarget ? "met" : "NOT met"));
        if (!ok)
        {
            Console.WriteLine("some requests failed or a mode sent nothing (see above)");
        }
        return ok ? 0 : 1;
    }

    private static byte[][] Encode(ThreatSignal[] signals, string contentType, int perRequest)
    {
        if (contentType == "application/json")
        {
            return [.. signals.Select(ThreatSignalJson.ToUtf8Bytes)];
        }
        if (perRequest == 1)
        {
            return [.. signals.Select(SignalFactory.ToMessagePack)];
        }
        var bodies = new byte[signals.Length / perRequest][];
        for (int i = 0; i < bodies.Length; i++)
        {
            bodies[i] = SignalFactory.ToMessagePack(signals.AsSpan(i * perRequest, perRequest));
        }
        return bodies;
    }

    private static async Task<Result> DriveAsync(HttpClient client, BenchNode node, string label, string path, string contentType, int perRequest,
        byte[][] bodies, int seconds, int concurrency)
    {
        var mediaType = new MediaTypeHeaderValue(contentType);
        int cursor = -1;
        long failures = 0;
        string? firstFailure = null;

        async Task<List<long>> Worker(long stopAt)
        {
            var latencies = new List<long>();
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                int i = Interlocked.Increment(ref cursor);
                if (i >= bodies.Length)
                {
                    break;
                }
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = mediaType;
                long started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
                _ = await response.Content.ReadAsByteArrayAsync();
                latencies.Add(Stopwatch.GetTimestamp() - started);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, $"HTTP {(int)response.StatusCode}", null);
                }
            }
            return latencies;
        }

        // Warm-up: connections opened, Kestrel and the pipeline jitted; excluded from the figures.
        int warmRequests = Math.Max(concurrency, 2_000 / perRequest);
        long warmStop = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2;
        var warmCursorEnd = Math.Min(bodies.Length, warmRequests);
        while (cursor + 1 < warmCursorEnd && Stopwatch.GetTimestamp() < warmStop)
        {
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => WarmOne()));
        }
        async Task WarmOne()
        {
            int i = Interlocked.Increment(ref cursor);
            if (i < bodies.Length)
            {
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = mediaType;
                using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
                _ = await response.Content.ReadAsByteArrayAsync();
            }
        }
        failures = 0;
        firstFailure = null;
        int startCursor = cursor + 1;
        long receivedBefore = node.Pipeline.Received;

        var cpuBefore = CpuClock.Process();
        long begin = Stopwatch.GetTimestamp();
        long stop = begin + Stopwatch.Frequency * seconds;
        var all = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => Worker(stop))));
        double elapsed = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        var cpu = CpuClock.Process() - cpuBefore;

        int requests = Math.Min(bodies.Length, cursor + 1) - startCursor;
        long signals = (long)requests * perRequest;
        long judged = node.Pipeline.Received - receivedBefore;
        var sorted = all.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN
            : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)] * 1000d / Stopwatch.Frequency;
        if (requests >= bodies.Length - startCursor)
        {
            Console.WriteLine($"{label}: ran out of pre-signed signals after {elapsed:0.0} s (the rate figure stands; the pool is sized from raw verify/s)");
        }
        Console.WriteLine($"{label}: {requests:N0} requests, {signals:N0} signals, node judged {judged:N0}; {failures:N0} failed{(firstFailure is null ? "" : " (first: " + firstFailure + ")")}");
        return new Result(label, signals / elapsed, requests / elapsed, Percentile(0.50), Percentile(0.99),
            cpu.TotalMicroseconds / Math.Max(1, signals), signals, failures);
    }

    private static (double Rate, double CpuMicros) MeasureRaw(RawVerifier raw, int threads)
    {
        var cpu = CpuClock.Process();
        double rate = raw.Measure(threads);
        return (rate, (CpuClock.Process() - cpu).TotalMicroseconds / raw.Count);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Result(string Label, double SignalsPerSecond, double RequestsPerSecond, double P50Ms, double P99Ms,
        double CpuMicrosPerSignal, long Signals, long Failures);
}

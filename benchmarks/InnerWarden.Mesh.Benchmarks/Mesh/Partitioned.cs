using System.Diagnostics;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>Runs a body over <c>[0, count)</c> split into contiguous slices, one dedicated thread per slice, and times it.</summary>
internal static class Partitioned
{
    /// <summary>Wall time of running <paramref name="body"/>(start, end) on <paramref name="threads"/> threads.</summary>
    public static TimeSpan Run(int threads, int count, Action<int, int> body)
    {
        threads = Math.Max(1, Math.Min(threads, count));
        var workers = new Thread[threads];
        using var start = new ManualResetEventSlim();
        Exception? failure = null;
        for (var t = 0; t < threads; t++)
        {
            int from = (int)((long)count * t / threads);
            int to = (int)((long)count * (t + 1) / threads);
            workers[t] = new Thread(() =>
            {
                start.Wait();
                try
                {
                    body(from, to);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            }) { IsBackground = true };
            workers[t].Start();
        }
        var clock = Stopwatch.StartNew();
        start.Set();
        foreach (var worker in workers)
        {
            worker.Join();
        }
        clock.Stop();
        if (failure is not null)
        {
            throw new InvalidOperationException("a benchmark worker failed", failure);
        }
        return clock.Elapsed;
    }
}

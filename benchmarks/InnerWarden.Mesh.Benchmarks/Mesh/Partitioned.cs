using System.Diagnostics;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// Runs a body over <c>[0, count)</c> on dedicated threads that take the next slice of <see cref="SliceSize"/>
/// indices as they go, and times it. Slices are handed out rather than fixed halves because that is how a node
/// meets its load (whichever thread is free takes the next request), and because with fixed halves a thread
/// that lost time to a garbage collection or a neighbour's process leaves the other core idle at the end.
/// </summary>
internal static class Partitioned
{
    /// <summary>Indices a thread takes at a time.</summary>
    public const int SliceSize = 256;

    /// <summary>Wall time of running <paramref name="body"/>(start, end) on <paramref name="threads"/> threads.</summary>
    public static TimeSpan Run(int threads, int count, Action<int, int> body)
    {
        threads = Math.Max(1, Math.Min(threads, count));
        var workers = new Thread[threads];
        using var start = new ManualResetEventSlim();
        Exception? failure = null;
        int next = 0;
        for (var t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.Wait();
                try
                {
                    int from;
                    while ((from = Interlocked.Add(ref next, SliceSize) - SliceSize) < count)
                    {
                        body(from, Math.Min(count, from + SliceSize));
                    }
                }
#pragma warning disable CA1031 // A worker's failure is handed to the calling thread, which rethrows it after the join.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            })
            { IsBackground = true };
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

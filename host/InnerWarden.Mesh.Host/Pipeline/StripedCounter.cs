using System.Numerics;

namespace InnerWarden.Mesh.Host.Pipeline;

/// <summary>
/// A counter that many threads increment without sharing a cache line: each thread adds to its own padded cell
/// and a read sums the cells. Every inbound signal bumps two counters; as plain fields of the pipeline, the
/// threads took turns owning that line (and the read-only fields beside it) on every signal.
/// </summary>
internal sealed class StripedCounter
{
    // 128 bytes per cell: CPUs prefetch cache lines in adjacent pairs.
    private const int LongsPerCell = 16;

    private readonly long[] _cells;
    private readonly int _mask;

    public StripedCounter()
    {
        int stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, Environment.ProcessorCount * 2));
        _mask = stripes - 1;
        // One cell more than the stripes: cell 0 would share its line with the array's header.
        _cells = new long[(stripes + 1) * LongsPerCell];
    }

    public void Increment() => Interlocked.Increment(ref _cells[((Environment.CurrentManagedThreadId & _mask) + 1) * LongsPerCell]);

    /// <summary>The sum of every thread's increments so far.</summary>
    public long Value
    {
        get
        {
            long sum = 0;
            for (int stripe = 1; stripe <= _mask + 1; stripe++)
            {
                sum += Volatile.Read(ref _cells[stripe * LongsPerCell]);
            }
            return sum;
        }
    }
}

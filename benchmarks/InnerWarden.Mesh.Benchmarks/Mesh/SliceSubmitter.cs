using System.Diagnostics;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Pipeline;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// Feeds JSON signals to a node's pipeline the way its concurrent requests arrive: a thread submits a whole slice
/// without waiting, then collects the slice's replies, which the pipeline holds back until the state they report is
/// committed (group commit: one commit covers the slice, as it covers many connections). Optionally records, per
/// signal, what the commit added to its reply (from the verdict to the commit that makes it true).
/// </summary>
internal static class SliceSubmitter
{
    /// <summary>Parses and submits <c>json[from..to)</c>, counting each verdict's action in <paramref name="verdicts"/>.</summary>
    public static void Submit(InboundPipeline sink, SignalOrigin origin, byte[][] json, int from, int to, long[] verdicts, long[]? heldTicks = null)
    {
        List<Task<SignalVerdict>>? waiting = null;
        for (int i = from; i < to; i++)
        {
            var parsed = ThreatSignalJson.Parse(json[i]);
            if (parsed.Signal is not { } signal)
            {
                throw new InvalidOperationException($"signal {i} did not parse: {parsed.Error}");
            }
            var reply = sink.SubmitAsync(signal, origin, CancellationToken.None);
            if (reply.IsCompletedSuccessfully)
            {
                verdicts[(int)reply.Result.Action]++;
                if (heldTicks is not null)
                {
                    heldTicks[i] = 0;
                }
            }
            else
            {
                (waiting ??= []).Add(TimeAsync(reply, heldTicks, i, Stopwatch.GetTimestamp()));
            }
        }
        foreach (var task in waiting ?? [])
        {
            verdicts[(int)task.Result.Action]++;
        }
    }

    /// <summary>p50 and p99 of <paramref name="heldTicks"/>, in milliseconds.</summary>
    public static (double P50, double P99) Percentiles(long[] heldTicks)
    {
        var sorted = (long[])heldTicks.Clone();
        Array.Sort(sorted);
        double Ms(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] * 1000.0 / Stopwatch.Frequency;
        return (Ms(0.50), Ms(0.99));
    }

    private static async Task<SignalVerdict> TimeAsync(ValueTask<SignalVerdict> reply, long[]? heldTicks, int index, long decided)
    {
        var verdict = await reply.ConfigureAwait(false);
        if (heldTicks is not null)
        {
            heldTicks[index] = Stopwatch.GetTimestamp() - decided;
        }
        return verdict;
    }
}

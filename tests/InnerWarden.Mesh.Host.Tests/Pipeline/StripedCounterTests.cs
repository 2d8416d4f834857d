using InnerWarden.Mesh.Host.Pipeline;

namespace InnerWarden.Mesh.Host.Tests.Pipeline;

public sealed class StripedCounterTests
{
    [Fact]
    public void Increments_from_many_threads_all_count()
    {
        var counter = new StripedCounter();

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counter.Increment();
            }
        });

        Assert.Equal(160_000, counter.Value);
    }

    [Fact]
    public void A_new_counter_reads_zero() => Assert.Equal(0, new StripedCounter().Value);
}

using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Pipeline;

public sealed class SeenSignalsTests
{
    [Fact]
    public void A_signature_is_remembered_for_the_acceptance_window_then_forgotten()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time);
        Assert.True(seen.TryAdd("sig-a"));

        time.Advance(TimeSpan.FromMinutes(64));
        Assert.True(seen.Contains("sig-a"));
        Assert.False(seen.TryAdd("sig-a"));
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(seen.Contains("sig-a"));
        Assert.True(seen.TryAdd("sig-b"));
        Assert.Equal(1, seen.Count);
    }

    [Fact]
    public void Memory_is_bounded_by_evicting_the_oldest()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time, capacity: 1_000);

        for (int i = 0; i < 100_000; i++)
        {
            seen.TryAdd("sig-" + i);
        }

        Assert.Equal(1_000, seen.Count);
        Assert.False(seen.Contains("sig-0"));
        Assert.True(seen.Contains("sig-99999"));
    }
}

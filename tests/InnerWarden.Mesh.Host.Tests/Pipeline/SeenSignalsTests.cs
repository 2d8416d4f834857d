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
        Assert.True(seen.TryAdd(Sig(1)));

        time.Advance(TimeSpan.FromMinutes(64));
        Assert.True(seen.Contains(Sig(1)));
        Assert.False(seen.TryAdd(Sig(1)));
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(seen.Contains(Sig(1)));
        Assert.True(seen.TryAdd(Sig(2)));
        Assert.Equal(1, seen.Count);
    }

    [Fact]
    public void Memory_is_bounded_by_evicting_the_oldest()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var seen = new SeenSignals(time, capacity: 1_000);

        for (int i = 0; i < 100_000; i++)
        {
            seen.TryAdd(Sig(i));
        }

        Assert.Equal(1_000, seen.Count);
        Assert.False(seen.Contains(Sig(0)));
        Assert.True(seen.Contains(Sig(99_999)));
    }

    // A 64-byte signature-shaped value whose first 128 bits differ per n.
    private static string Sig(int n)
    {
        var bytes = new byte[64];
        BitConverter.TryWriteBytes(bytes, n);
        return Convert.ToBase64String(bytes);
    }
}

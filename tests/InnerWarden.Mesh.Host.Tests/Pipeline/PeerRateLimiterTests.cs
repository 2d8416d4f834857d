using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Pipeline;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using InnerWarden.Mesh.Host.Trust;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Pipeline;

public sealed class PeerRateLimiterTests
{
    private static readonly string Vouched = new('a', 64);

    private static NodeSettings Settings() => new("127.0.0.1:0", "/tmp", TimeSpan.FromSeconds(30), false, 50, 100, 0.7,
        [new PeerInfo(new Uri("http://151.101.1.1:8790"), Vouched, "a")], []);

    [Fact]
    public void Over_budget_signal_quarantines_and_records_it_in_the_reputation()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var book = new ReputationBook(new TestTrustPolicy(), Settings(), time);
        var limiter = new PeerRateLimiter(book, maxPerHour: 3);
        var now = time.GetUtcNow();

        var decisions = Enumerable.Range(0, 5).Select(_ => limiter.Check(Vouched, now)).ToList();

        Assert.Equal([RateDecision.Allowed, RateDecision.Allowed, RateDecision.Allowed, RateDecision.LimitExceeded, RateDecision.Quarantined], decisions);
        Assert.Equal(now + TimeSpan.FromHours(1), book.Find(Vouched)!.QuarantinedUntil);
    }

    [Fact]
    public void Flood_from_100000_fresh_identities_stays_bounded_and_keeps_vouched_peers()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var book = new ReputationBook(new TestTrustPolicy(), Settings(), time, capacity: 1_000);
        var limiter = new PeerRateLimiter(book, maxPerHour: 50, capacity: 1_000);
        limiter.Check(Vouched, time.GetUtcNow());

        for (int i = 0; i < 100_000; i++)
        {
            var id = i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(RateDecision.Allowed, limiter.Check(id, time.GetUtcNow()));
            book.RecordSignal(id, time.GetUtcNow());
        }

        Assert.InRange(limiter.TrackedCount, 1, 1_000);
        Assert.InRange(book.Count, 1, 1_000);
        Assert.NotNull(book.Find(Vouched));
        Assert.Equal(0.7, book.Find(Vouched)!.Trust);
        // The vouched peer's window survived too: its budget still counts the first signal.
        for (int i = 0; i < 49; i++)
        {
            Assert.Equal(RateDecision.Allowed, limiter.Check(Vouched, time.GetUtcNow()));
        }
        Assert.Equal(RateDecision.LimitExceeded, limiter.Check(Vouched, time.GetUtcNow()));
    }

    [Fact]
    public void Quarantine_survives_eviction_through_the_reputation()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var book = new ReputationBook(new TestTrustPolicy(), Settings(), time, capacity: 10_000);
        var limiter = new PeerRateLimiter(book, maxPerHour: 1, capacity: 10);
        var bad = new string('b', 64);
        limiter.Check(bad, time.GetUtcNow());
        Assert.Equal(RateDecision.LimitExceeded, limiter.Check(bad, time.GetUtcNow()));

        for (int i = 0; i < 100; i++)
        {
            limiter.Check(i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), time.GetUtcNow() + TimeSpan.FromSeconds(1));
        }

        Assert.Equal(RateDecision.Quarantined, limiter.Check(bad, time.GetUtcNow()));
    }
}

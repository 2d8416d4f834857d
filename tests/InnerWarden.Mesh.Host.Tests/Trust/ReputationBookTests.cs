using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using InnerWarden.Mesh.Host.Trust;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Trust;

public sealed class ReputationBookTests
{
    private static readonly string Listed = new('a', 64);
    private static readonly string Stranger = new('c', 64);

    private static NodeSettings Settings(string? key) => new("127.0.0.1:0", "/tmp", TimeSpan.FromSeconds(30), false, 50, 100, 0.6,
        [new PeerInfo(new Uri("http://151.101.1.1:8790"), key, "a")], []);

    [Fact]
    public void Vouched_peer_starts_at_initial_trust_and_a_stranger_at_the_policy_start()
    {
        var book = new ReputationBook(new TestTrustPolicy(), Settings(Listed), new FakeTimeProvider(NodeHarness.Start));

        Assert.Equal(0.6, book.Find(Listed)!.Trust);
        Assert.True(book.Find(Listed)!.Vouched);
        Assert.Equal(0.1, book.GetOrCreate(Stranger, NodeHarness.Start).Trust);
        Assert.False(book.IsVouched(Stranger));
    }

    [Fact]
    public void A_signer_keeps_protected_replay_entries_while_known_and_not_quarantined()
    {
        var start = NodeHarness.Start;
        var book = new ReputationBook(new TestTrustPolicy(), Settings(Listed), new FakeTimeProvider(start));
        book.RecordSignal(Stranger, start);
        Assert.True(book.IsKnownAndNotQuarantined(Listed, start));
        Assert.False(book.IsKnownAndNotQuarantined(Stranger, start));
        Assert.False(book.IsKnownAndNotQuarantined(new string('d', 64), start));

        book.OnConfirmed(Stranger, start);
        book.Quarantine(Listed, start.AddHours(1), start);

        Assert.True(book.IsKnownAndNotQuarantined(Stranger, start));
        Assert.False(book.IsKnownAndNotQuarantined(Listed, start));
        Assert.True(book.IsKnownAndNotQuarantined(Listed, start.AddHours(1)));
    }

    [Fact]
    public void Key_resolved_later_by_discovery_gets_initial_trust_once_vouched()
    {
        var book = new ReputationBook(new TestTrustPolicy(), Settings(null), new FakeTimeProvider(NodeHarness.Start));
        book.RecordSignal(Listed, NodeHarness.Start);
        Assert.Equal(0.1, book.Find(Listed)!.Trust);

        book.Vouch(Listed, NodeHarness.Start);

        Assert.Equal(0.6, book.Find(Listed)!.Trust);
        Assert.Equal(1, book.Find(Listed)!.SignalsReceived);
        Assert.True(book.IsVouched(Listed));
    }

    [Fact]
    public void Confirmation_and_contradiction_go_through_the_policy_three_to_one()
    {
        var book = new ReputationBook(new TestTrustPolicy(), Settings(Listed), new FakeTimeProvider(NodeHarness.Start));

        var up = book.OnConfirmed(Listed, NodeHarness.Start);
        var down = book.OnContradicted(Listed, NodeHarness.Start);

        Assert.Equal((0.6, 0.65), (up.Before, Math.Round(up.After, 10)));
        Assert.Equal(0.5, Math.Round(down.After, 10));
        Assert.Equal((1L, 1L), (book.Find(Listed)!.Confirmed, book.Find(Listed)!.Contradicted));
    }

    [Fact]
    public void Eviction_takes_the_least_trusted_then_least_recent_and_never_the_vouched()
    {
        var time = new FakeTimeProvider(NodeHarness.Start);
        var book = new ReputationBook(new TestTrustPolicy(), Settings(Listed), time, capacity: 10);
        var trusted = new string('d', 64);
        book.RecordSignal(trusted, NodeHarness.Start);
        book.OnConfirmed(trusted, NodeHarness.Start);

        for (int i = 0; i < 30; i++)
        {
            book.RecordSignal(i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), NodeHarness.Start + TimeSpan.FromSeconds(i));
        }

        Assert.InRange(book.Count, 2, 10);
        Assert.NotNull(book.Find(Listed));
        Assert.NotNull(book.Find(trusted));
        Assert.NotNull(book.Find(29.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Null(book.Find(0.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Restored_reputations_keep_earned_trust_and_vouching_follows_config()
    {
        var book = new ReputationBook(new TestTrustPolicy(), Settings(Listed), new FakeTimeProvider(NodeHarness.Start));

        book.Restore([
            new PeerReputation(Listed, 0.95, 7, 0, 20, null, NodeHarness.Start, NodeHarness.Start, false),
            new PeerReputation(Stranger, 0.2, 1, 0, 3, null, NodeHarness.Start, NodeHarness.Start, true),
        ]);

        Assert.Equal(0.95, book.Find(Listed)!.Trust);
        Assert.True(book.Find(Listed)!.Vouched);
        Assert.False(book.Find(Stranger)!.Vouched);
    }
}

using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Plugins.Tests.Threshold;

/// <summary>
/// Reports of one address from several signers (issue 15 item 4): one vote per signer at its best, no vote below the
/// trust floor, one independence domain counts once, domains combine as 1 - prod(1 - d), capped below the full block.
/// </summary>
public sealed class CorroborationTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Attacker = IPAddress.Parse("185.220.1.7");

    private static StageRequest Report(string signer, double trust, float confidence, string? domain = null, DateTimeOffset? at = null) =>
        new(Attacker, signer, trust * confidence, "ssh_bruteforce", TimeSpan.FromHours(1), Local: false, at ?? Now)
        {
            SignerTrust = trust,
            Domain = domain ?? "key:" + signer,
        };

    private static string Signer(int n) => n.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Two_vouched_peers_at_half_trust_reporting_with_0_9_get_the_attacker_a_short_block()
    {
        var pool = ThresholdStagingPoolTests.Pool();

        var first = pool.Stage(Report(Signer(1), 0.5, 0.9f));
        var second = pool.Stage(Report(Signer(2), 0.5, 0.9f));

        Assert.Equal(SignalAction.Watchlisted, first.Action); // 0.45 alone
        Assert.Equal(SignalAction.BlockedShortTtl, second.Action); // 1 - 0.55^2 = 0.6975
        Assert.Equal(1 - (0.55 * 0.55), second.Current!.Score, 6);
        Assert.Equal(Now + TimeSpan.FromHours(2), second.Current.ExpiresAt); // never shortened: the watchlist's 2 h stand
        Assert.Equal([Signer(1), Signer(2)], second.Current.Contributors);
        Assert.Equal(2, second.Current.Votes.Count);
    }

    [Fact]
    public void The_seeds_single_peer_numbers_are_unchanged()
    {
        var pool = ThresholdStagingPoolTests.Pool();

        var result = pool.Stage(Report(Signer(1), 0.85, 0.92f));

        Assert.Equal(SignalAction.BlockedShortTtl, result.Action);
        Assert.Equal(0.85 * 0.92f, result.Current!.Score, 9); // 0.782
    }

    [Fact]
    public void Ten_thousand_fresh_identities_reporting_one_address_never_get_it_past_watchlisted()
    {
        var pool = ThresholdStagingPoolTests.Pool();
        // One vouched peer watchlists it first, so the swarm has an entry to pile onto.
        pool.Stage(Report(Signer(0), 0.5, 0.9f));

        for (int i = 1; i <= 10_000; i++)
        {
            // Each from its own /24: the floor, not the domain rule, is what stops them.
            var result = pool.Stage(Report(Signer(i), 0.1, 1.0f, domain: $"net:{i >> 8}.{i & 255}.0.0/24"));
            Assert.NotEqual(SignalAction.BlockedShortTtl, result.Current?.Action);
            Assert.NotEqual(SignalAction.BlockedFull, result.Current?.Action);
        }

        var entry = pool.Find(Attacker)!;
        Assert.Equal(SignalAction.Watchlisted, entry.Action);
        Assert.Single(entry.Votes);
        Assert.Single(entry.Contributors); // the swarm's reports are remembered, not contributions
    }

    [Fact]
    public void Signers_in_one_domain_count_once()
    {
        var pool = ThresholdStagingPoolTests.Pool();

        pool.Stage(Report(Signer(1), 0.5, 0.9f, domain: "net:198.18.7.0/24"));
        var second = pool.Stage(Report(Signer(2), 0.5, 0.9f, domain: "net:198.18.7.0/24"));

        Assert.Equal(SignalAction.Watchlisted, second.Action);
        Assert.Equal(0.45, second.Current!.Score, 6);
    }

    [Fact]
    public void Votes_are_on_the_entry_so_a_restored_pool_still_combines()
    {
        var pool = ThresholdStagingPoolTests.Pool();
        pool.Stage(Report(Signer(1), 0.5, 0.9f));
        var restored = ThresholdStagingPoolTests.Pool();

        restored.Restore(pool.Entries, pool.Remembered);
        var second = restored.Stage(Report(Signer(2), 0.5, 0.9f));

        Assert.Equal(SignalAction.BlockedShortTtl, second.Action);
    }

    [Fact]
    public void The_trust_floor_is_a_setting()
    {
        var pool = ThresholdStagingPoolTests.Pool(settings: new() { ["corroboration_trust_floor"] = "0.6" });

        pool.Stage(Report(Signer(1), 0.5, 0.9f));
        var second = pool.Stage(Report(Signer(2), 0.5, 0.9f));

        Assert.Equal(SignalAction.Watchlisted, second.Action);
    }

    /// <summary>Any number of reports by one signer score exactly its best report, as the seed's table says.</summary>
    [Property(MaxTest = 200)]
    public bool One_signer_never_adds_up_with_itself(byte trustByte, byte[] confidences)
    {
        var pool = ThresholdStagingPoolTests.Pool();
        double trust = trustByte / 255.0;
        double best = 0;
        foreach (var c in confidences)
        {
            float confidence = c / 255f;
            best = Math.Max(best, trust * confidence);
            pool.Stage(Report(Signer(1), trust, confidence));
        }
        var entry = pool.Find(Attacker);
        return best < 0.3 ? entry is null : entry is not null && Math.Abs(entry.Score - best) < 1e-12;
    }

    /// <summary>Signers below the floor, in any number, any domain, any confidence, never block (nor do they lift a block).</summary>
    [Property(MaxTest = 100)]
    public Property Signers_below_the_trust_floor_never_block()
    {
        var reports = Gen.Choose(0, 299).SelectMany(t => Gen.Choose(0, 1000).Select(c => (Trust: t / 1000.0, Confidence: c / 1000f)));
        return Prop.ForAll(Gen.ListOf(reports, 200).ToArbitrary(), list =>
        {
            var pool = ThresholdStagingPoolTests.Pool();
            pool.Stage(Report(Signer(0), 0.5, 0.9f)); // an honest watchlisting to pile onto
            int i = 1;
            foreach (var (trust, confidence) in list)
            {
                pool.Stage(Report(Signer(i), trust, confidence, domain: "net:" + i));
                i++;
            }
            return pool.Find(Attacker)!.Action == SignalAction.Watchlisted;
        });
    }

    /// <summary>
    /// The combined score is the noisy-OR of the domains' best votes (signers at or above the floor), at most just below
    /// the full-block threshold, and never below the best single report.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Combined_score_follows_the_formula()
    {
        var report = Gen.Choose(0, 1000).SelectMany(t => Gen.Choose(0, 1000).SelectMany(c => Gen.Choose(0, 5).SelectMany(d => Gen.Choose(0, 7)
            .Select(s => (Trust: t / 1000.0, Confidence: c / 1000f, Domain: d, Signer: s)))));
        return Prop.ForAll(Gen.NonEmptyListOf(report).ToArbitrary(), list =>
        {
            var pool = ThresholdStagingPoolTests.Pool();
            var bestBySigner = new Dictionary<int, (int Domain, double Score)>();
            double bestSingle = 0;
            foreach (var (trust, confidence, domain, signer) in list)
            {
                // A signer keeps one domain, as the host gives it.
                int signerDomain = bestBySigner.TryGetValue(signer, out var known) ? known.Domain : domain;
                pool.Stage(Report(Signer(signer), trust, confidence, domain: "d" + signerDomain));
                double score = trust * confidence;
                bestSingle = Math.Max(bestSingle, score);
                // The pool records votes only once the address is staged (an earlier discarded report is remembered).
                bool staged = pool.Find(Attacker) is not null;
                if (staged && trust >= 0.3 && score > 0)
                {
                    bestBySigner[signer] = (signerDomain, Math.Max(score, known.Score));
                }
            }
            var entry = pool.Find(Attacker);
            if (entry is null)
            {
                return bestSingle < 0.3;
            }
            double missed = bestBySigner.Values.GroupBy(v => v.Domain).Select(g => 1 - g.Max(v => v.Score)).Aggregate(1.0, (a, b) => a * b);
            double combined = Math.Min(1 - missed, Math.BitDecrement(0.8));
            return entry.Score >= bestSingle - 1e-12 && entry.Score >= combined - 1e-9
                && (entry.Action != SignalAction.BlockedFull || bestSingle >= 0.8);
        });
    }
}

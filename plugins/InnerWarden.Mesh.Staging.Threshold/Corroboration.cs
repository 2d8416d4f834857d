using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>
/// How reports of one address from several signers combine (the plugin README has the rule and its reasons):
/// each signer votes once, with its highest weighted score; a signer below the trust floor has no vote; within one
/// independence domain only the best vote counts; the domains' best votes combine as independent evidence,
/// <c>S = 1 - prod(1 - d)</c>, capped just below the full-block threshold, and the entry's score is the larger of
/// that and the best single report. One signer alone is therefore exactly the seed's trust x confidence.
/// </summary>
internal static class Corroboration
{
    /// <summary>
    /// <paramref name="votes"/> with <paramref name="vote"/> counted: added when its signer had none, replacing the
    /// signer's vote when higher, else the same list (reference-equal: nothing changed).
    /// </summary>
    public static IReadOnlyList<StagedVote> WithVote(IReadOnlyList<StagedVote> votes, StagedVote vote)
    {
        for (int i = 0; i < votes.Count; i++)
        {
            if (!string.Equals(votes[i].NodeId, vote.NodeId, StringComparison.Ordinal))
            {
                continue;
            }
            if (vote.Score <= votes[i].Score && string.Equals(votes[i].Domain, vote.Domain, StringComparison.Ordinal))
            {
                return votes;
            }
            var replaced = votes.ToArray();
            replaced[i] = vote with { Score = Math.Max(vote.Score, votes[i].Score) };
            return replaced;
        }
        return [.. votes, vote];
    }

    /// <summary>
    /// <c>1 - prod over domains (1 - best vote of the domain)</c>, at most <paramref name="cap"/>; 0 without votes.
    /// </summary>
    public static double Combine(IReadOnlyList<StagedVote> votes, double cap)
    {
        if (votes.Count == 0)
        {
            return 0;
        }
        if (votes.Count == 1)
        {
            return Math.Min(votes[0].Score, cap);
        }
        var best = new Dictionary<string, double>(votes.Count, StringComparer.Ordinal);
        foreach (var vote in votes)
        {
            best[vote.Domain] = best.TryGetValue(vote.Domain, out var known) ? Math.Max(known, vote.Score) : vote.Score;
        }
        double missed = 1;
        foreach (var score in best.Values)
        {
            missed *= 1 - Math.Clamp(score, 0, 1);
        }
        return Math.Min(1 - missed, cap);
    }
}

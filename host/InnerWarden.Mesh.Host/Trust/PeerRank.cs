namespace InnerWarden.Mesh.Host.Trust;

/// <summary>
/// How useful it is to keep per-peer state, for eviction when a bound is reached. Protected peers (vouched by
/// the operator) are never evicted; among the rest the least trusted, then the least recently seen, go first.
/// </summary>
/// <param name="Protected">Vouched or listed in config.</param>
/// <param name="Trust">Current trust.</param>
/// <param name="LastSeen">Last signal or contact.</param>
internal readonly record struct PeerRank(bool Protected, double Trust, DateTimeOffset LastSeen) : IComparable<PeerRank>
{
    /// <summary>Negative when this peer is less useful (evicted earlier) than <paramref name="other"/>.</summary>
    public int CompareTo(PeerRank other)
    {
        int byProtection = Protected.CompareTo(other.Protected);
        if (byProtection != 0)
        {
            return byProtection;
        }
        int byTrust = Trust.CompareTo(other.Trust);
        return byTrust != 0 ? byTrust : LastSeen.CompareTo(other.LastSeen);
    }
}

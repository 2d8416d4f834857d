using System.Net;
using FsCheck.Xunit;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Plugins.Tests.Threshold;

/// <summary>Invariants of the pool under any sequence of reports, confirmations and expiries.</summary>
public sealed class ThresholdStagingPoolPropertyTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <param name="operations">Per step: address (mod 12), peer (mod 4), score (/255), kind (confirm, expire, stage).</param>
    [Property(MaxTest = 300)]
    public bool Pool_stays_bounded_never_downgrades_and_only_evicts_for_something_more_valuable((byte Ip, byte Peer, byte Score, byte Kind)[] operations)
    {
        const int maxStaged = 4;
        var pool = ThresholdStagingPoolTests.Pool(maxStaged);
        var now = Start;
        var credited = new Dictionary<IPAddress, HashSet<string>>();
        foreach (var (ipByte, peerByte, scoreByte, kind) in operations)
        {
            now = now.AddMinutes(7);
            var ip = ThresholdStagingPoolTests.Ip(ipByte % 12);
            var peer = new string((char)('a' + (peerByte % 4)), 64);
            var before = pool.Find(ip);
            switch (kind % 8)
            {
                case 0:
                    var confirm = pool.Confirm(ip, now);
                    var seen = credited.TryGetValue(ip, out var set) ? set : credited[ip] = [];
                    // Nobody is credited twice for the same staged entry.
                    if (before is not null && confirm.CreditedPeers.Any(p => !seen.Add(p)))
                    {
                        return false;
                    }
                    break;
                case 1:
                    foreach (var gone in pool.Expire(now))
                    {
                        if (gone.ExpiresAt > now)
                        {
                            return false;
                        }
                        credited.Remove(gone.Ip);
                    }
                    break;
                default:
                    var result = pool.Stage(new StageRequest(ip, peer, scoreByte / 255.0, "sshd", TimeSpan.FromHours(1), false, now));
                    if (result.Evicted is { } evicted && (result.Current is null || StagedRank(evicted) > StagedRank(result.Current)))
                    {
                        return false;
                    }
                    if (before is not null && result.Current is { } after
                        && (StagedRank(after) < StagedRank(before) || after.Score < before.Score || after.ExpiresAt < before.ExpiresAt))
                    {
                        return false;
                    }
                    if (result.Evicted is { } dropped)
                    {
                        credited.Remove(dropped.Ip);
                    }
                    break;
            }
            if (pool.Count > maxStaged || pool.Entries.Any(e => e.Contributors.Distinct().Count() != e.Contributors.Count))
            {
                return false;
            }
        }
        return true;
    }

    private static int StagedRank(StagedEntry entry) => entry.Action switch
    {
        SignalAction.BlockedFull => 3,
        SignalAction.BlockedShortTtl => 2,
        _ => 1,
    };
}

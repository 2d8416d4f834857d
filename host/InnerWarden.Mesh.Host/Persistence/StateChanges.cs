using System.Net;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// The changes waiting for one commit. Staged addresses, reputations and late confirmations are keys only: the commit writes their
/// current value (so many changes to one address or peer become one row write); signal rows and taken remembered
/// signals keep their order.
/// </summary>
internal sealed class StateChanges
{
    public HashSet<IPAddress> Staged { get; } = [];

    public HashSet<string> Reputations { get; } = new(StringComparer.Ordinal);

    /// <summary>Addresses whose late-confirmation entry changed (written as it is now, or deleted).</summary>
    public HashSet<IPAddress> Late { get; } = [];

    public List<SignalRow> Signals { get; } = [];

    public bool Peers { get; set; }

    /// <summary>Completed when these changes are committed; faulted with <see cref="StateStoreException"/> when the commit failed.</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Changes recorded, counting repeats (what group commit saves is the difference to the rows written).</summary>
    public int Recorded { get; set; }

    public bool IsEmpty => Recorded == 0;

    /// <summary>Takes over the changes of a failed commit, which are retried with these.</summary>
    public void Absorb(StateChanges failed)
    {
        Staged.UnionWith(failed.Staged);
        Reputations.UnionWith(failed.Reputations);
        Late.UnionWith(failed.Late);
        Signals.InsertRange(0, failed.Signals);
        Peers |= failed.Peers;
        Recorded += failed.Recorded;
    }
}

/// <summary>
/// One accepted signal (<see cref="Ip"/> null: the remembered signals of <see cref="TakenIp"/> were credited and go);
/// <see cref="Known"/>: its signer's partition of the replay record.
/// </summary>
internal readonly record struct SignalRow(UInt128 Key, DateTimeOffset SeenUntil, string? NodeId, IPAddress? Ip, DateTimeOffset? RememberUntil, IPAddress? TakenIp,
    bool Known = false);

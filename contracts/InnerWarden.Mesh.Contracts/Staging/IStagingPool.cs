using System.Net;

namespace InnerWarden.Mesh.Contracts.Staging;

/// <summary>
/// Turns weighted scores into staged actions with TTLs and keeps them, bounded, until they expire or are
/// confirmed. Holds state only: the host applies what changes to the firewall and to trust, and persists.
/// </summary>
public interface IStagingPool
{
    /// <summary>Stages (or aggregates into) the entry for an address; discards and remembers a score too low to stage.</summary>
    StageResult Stage(StageRequest request);

    /// <summary>A local observation of <paramref name="ip"/>: credits its contributors once and upgrades it to the full block.</summary>
    ConfirmResult Confirm(IPAddress ip, DateTimeOffset now);

    /// <summary>Removes and returns the entries whose TTL has ended; forgets remembered signals past theirs.</summary>
    IReadOnlyList<StagedEntry> Expire(DateTimeOffset now);

    /// <summary>The entry for an address, or null.</summary>
    StagedEntry? Find(IPAddress ip);

    /// <summary>Every staged entry.</summary>
    IReadOnlyList<StagedEntry> Entries { get; }

    /// <summary>Every remembered discarded signal.</summary>
    IReadOnlyList<RememberedSignal> Remembered { get; }

    /// <summary>Number of staged entries.</summary>
    int Count { get; }

    /// <summary>Replaces the pool's content with persisted state (at start).</summary>
    void Restore(IEnumerable<StagedEntry> entries, IEnumerable<RememberedSignal> remembered);
}

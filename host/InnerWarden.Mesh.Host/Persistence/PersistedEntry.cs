using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>A staged entry as persisted; the action uses the PROTOCOL.md wire name; votes (for combining reports) when it has any.</summary>
internal sealed record PersistedEntry(
    string Ip,
    string Action,
    double Score,
    string Detector,
    DateTimeOffset StagedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Contributors,
    bool Confirmed,
    bool Local,
    IReadOnlyList<StagedVote>? Votes = null)
{
    public static PersistedEntry From(StagedEntry e) =>
        new(e.Ip.ToString(), e.Action.ToWire(), e.Score, e.Detector, e.StagedAt, e.ExpiresAt, e.Contributors, e.Confirmed, e.Local,
            e.Votes.Count == 0 ? null : e.Votes);

    /// <summary>The entry, or null when the stored address or action cannot be read.</summary>
    public StagedEntry? ToEntry() =>
        IPAddress.TryParse(Ip, out var ip) && SignalActionNames.TryParse(Action, out var action)
            ? new StagedEntry(ip, action, Score, Detector, StagedAt, ExpiresAt, Contributors ?? [], Confirmed, Local)
            {
                // State written before votes were kept has none: the entry then combines only with reports to come.
                Votes = Votes?.Where(v => v is { NodeId: not null, Domain: not null } && double.IsFinite(v.Score)).ToArray() ?? [],
            }
            : null;
}

using System.Globalization;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// A staged entry's votes in the <c>staged.votes</c> column: <c>node_id domain score</c> per vote, votes separated by
/// <c>,</c> (node ids are hex; domains are <c>key:hex</c> or <c>net:cidr</c>, never holding a space or a comma).
/// </summary>
internal static class VotesText
{
    public static string? Write(IReadOnlyList<StagedVote> votes) =>
        votes.Count == 0 ? null
            : string.Join(',', votes.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.NodeId} {v.Domain} {v.Score:R}")));

    /// <summary>The votes, skipping any part that does not read (a vote lost only combines less, never more).</summary>
    public static IReadOnlyList<StagedVote> Read(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        var votes = new List<StagedVote>();
        foreach (var part in text.Split(','))
        {
            var fields = part.Split(' ');
            if (fields.Length == 3 && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) && double.IsFinite(score))
            {
                votes.Add(new StagedVote(fields[0], fields[1], score));
            }
        }
        return votes;
    }
}

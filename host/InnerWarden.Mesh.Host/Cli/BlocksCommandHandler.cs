using System.Globalization;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Diagnostics;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Validation;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden mesh blocks [--json]</c>: the staging pool (blocks and watchlist), soonest expiry first.
/// Exit 0, or 1 when the state database is unreadable.
/// </summary>
/// <remarks>
/// <c>--json</c> prints an array of objects with these stable fields:
/// <code>
/// ip                 string    the address
/// action             string    watchlisted | blocked_short_ttl | blocked_full
/// score              number    best weighted score
/// detector           string    detector of the signal that set the score
/// staged_at          string    RFC 3339
/// expires_at         string    RFC 3339
/// expires_in_secs    int       seconds left (0 when already due)
/// contributing_peers string[]  node ids whose signals contributed (this node's own id for local detections)
/// confirmed          bool      confirmed by local observation
/// local              bool      staged by this node's own detection
/// </code>
/// </remarks>
internal static class BlocksCommandHandler
{
    public static int Run(string dataDirectory, NodeSettings settings, bool json, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var state = CliStateReader.Read(dataDirectory, stderr);
        if (state is null)
        {
            return 1;
        }
        var now = time.GetUtcNow();
        var rows = state.Staged
            .OrderBy(e => e.ExpiresAt)
            .Select(e => new BlockRow(e.Ip, e.Action, CliJsonContext.Round(e.Score), e.Detector, e.StagedAt, e.ExpiresAt,
                Math.Max(0, (long)(e.ExpiresAt - now).TotalSeconds), e.Contributors ?? [], e.Confirmed, e.Local))
            .ToList();
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize<IReadOnlyList<BlockRow>>(rows, CliJsonContext.Cli.IReadOnlyListBlockRow));
            return 0;
        }
        if (rows.Count == 0)
        {
            stdout.WriteLine("no staged addresses");
            return 0;
        }
        var table = new TextTable("IP", "ACTION", "SCORE", "EXPIRES IN", "PEERS", "CONFIRMED", "DETECTOR");
        foreach (var row in rows)
        {
            table.Add(row.Ip, row.Action, row.Score.ToString("F2", CultureInfo.InvariantCulture),
                CliStateReader.Humanize(row.ExpiresAt - now),
                string.Join(",", row.ContributingPeers.Select(p => p.Length > 12 ? p[..12] : p)),
                // A peer's detector is free text (any 1-128 characters without controls): escaped for the terminal.
                row.Confirmed ? "yes" : "no", LogText.Bounded(row.Detector, SignalValidator.MaxDetectorLength));
        }
        table.WriteTo(stdout);
        return 0;
    }
}

using System.Globalization;
using System.Runtime.CompilerServices;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Detectors.Files;
using InnerWarden.Mesh.Detectors.InnerWardenIncidents.Incidents;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.InnerWardenIncidents;

/// <summary>Follows Inner Warden's daily incident files and reports the attacker addresses in them.</summary>
internal sealed partial class IncidentsDetectionSource(IncidentsOptions options, TimeProvider time, ILogger<IncidentsDetectionSource> logger) : IDetectionSource
{
    /// <summary>Lines longer than this are skipped (an incident is a few KiB).</summary>
    public const int MaxLineBytes = 1024 * 1024;

    public string Name => "innerwarden-incidents";

    /// <summary>Today's file (UTC day, as Inner Warden names them).</summary>
    internal string CurrentFilePath() =>
        Path.Combine(options.Directory, string.Create(CultureInfo.InvariantCulture, $"incidents-{time.GetUtcNow().UtcDateTime:yyyy-MM-dd}.jsonl"));

    internal FileFollower CreateFollower() => new(CurrentFilePath, options.StartAtEnd, MaxLineBytes, logger);

    public async IAsyncEnumerable<Detection> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var follower = CreateFollower();
        var detections = new List<Detection>();
        await foreach (var line in follower.FollowAsync(options.PollInterval, time, cancellationToken).ConfigureAwait(false))
        {
            detections.Clear();
            if (!TryHandle(line, detections))
            {
                continue;
            }
            foreach (var detection in detections)
            {
                yield return detection;
            }
        }
    }

    /// <summary>Turns one followed line into detections, logging (and skipping) a malformed one.</summary>
    internal bool TryHandle(FollowedLine line, List<Detection> output)
    {
        if (line.Text is not { } text)
        {
            // Too long: the follower has logged it.
            return false;
        }
        if (IncidentLineParser.Parse(text, time.GetUtcNow(), output) is { } error)
        {
            LogMalformed(logger, line.Path, line.LineNumber, error);
            return false;
        }
        return true;
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Skipped malformed incident at {Path} line {LineNumber}: {Error}")]
    private static partial void LogMalformed(ILogger logger, string path, long lineNumber, string error);
}

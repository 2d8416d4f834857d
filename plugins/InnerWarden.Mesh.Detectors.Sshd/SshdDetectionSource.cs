using System.Runtime.CompilerServices;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Detectors.Sshd.Counting;
using InnerWarden.Mesh.Detectors.Files;
using InnerWarden.Mesh.Detectors.Sshd.Following;
using InnerWarden.Mesh.Detectors.Sshd.Parsing;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.Sshd;

/// <summary>Follows sshd's log and reports addresses that fail to authenticate too often.</summary>
internal sealed partial class SshdDetectionSource(SshdOptions options, TimeProvider time, ILogger<SshdDetectionSource> logger) : IDetectionSource
{
    public string Name => "sshd";

    public async IAsyncEnumerable<Detection> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var window = new FailureWindow(options.MaxFailures, options.Window, options.MaxTrackedIps, options.BaseConfidence);
        await foreach (var line in ReadLinesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!SshdLineParser.TryParse(line, out var parsed))
            {
                continue;
            }
            // Observation time, not the line's timestamp: syslog, RFC 3339 and bare lines disagree on what a timestamp is.
            if (window.Record(parsed, line, time.GetUtcNow()) is { } detection)
            {
                LogDetected(logger, detection.Ip, detection.Confidence);
                yield return detection;
            }
        }
    }

    private async IAsyncEnumerable<string> ReadLinesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (options.LogPath is not { } path)
        {
            var journal = new JournalctlReader(options.StartAtEnd, time, logger);
            await foreach (var message in journal.ReadMessagesAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
            yield break;
        }
        using var follower = new FileFollower(() => path, options.StartAtEnd, SshdLineParser.MaxLineLength, logger);
        await foreach (var line in follower.FollowAsync(options.PollInterval, time, cancellationToken).ConfigureAwait(false))
        {
            if (line.Text is { } text)
            {
                yield return text;
            }
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "ssh_bruteforce from {Ip} (confidence {Confidence})")]
    private static partial void LogDetected(ILogger logger, System.Net.IPAddress ip, float confidence);
}

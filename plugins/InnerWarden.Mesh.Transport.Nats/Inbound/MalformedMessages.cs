using InnerWarden.Mesh.Transport.Nats.Wire;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Nats.Inbound;

/// <summary>
/// Counts stream messages that are not signals, per cause, and says so in the log at most once a minute per cause
/// (with the count since the last line), so whoever publishes garbage onto the subject cannot flood the journal.
/// </summary>
internal sealed partial class MalformedMessages(string stream, TimeProvider time, ILogger logger)
{
    /// <summary>At most one log line per cause in this interval.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    private static readonly int CauseCount = Enum.GetValues<MalformedCause>().Length;

    private readonly long[] _counts = new long[CauseCount];
    private readonly long[] _unreported = new long[CauseCount];
    private readonly DateTimeOffset?[] _lastLogged = new DateTimeOffset?[CauseCount];
    private readonly Lock _lock = new();

    /// <summary>Every malformed message since start.</summary>
    public long Total
    {
        get
        {
            lock (_lock)
            {
                return _counts.Sum();
            }
        }
    }

    /// <summary>Malformed messages of one cause since start.</summary>
    public long CountOf(MalformedCause cause)
    {
        lock (_lock)
        {
            return _counts[(int)cause];
        }
    }

    /// <summary>Counts one message; logs it (with those not yet reported) unless this cause was logged within <see cref="LogInterval"/>.</summary>
    public void Record(MalformedCause cause, string detail, ulong sequence)
    {
        long report;
        long total;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            int i = (int)cause;
            total = ++_counts[i];
            _unreported[i]++;
            if (_lastLogged[i] is { } last && now - last < LogInterval)
            {
                return;
            }
            _lastLogged[i] = now;
            report = _unreported[i];
            _unreported[i] = 0;
        }
        LogMalformed(logger, report, stream, cause.ToName(), sequence, detail, total);
    }

    [LoggerMessage(EventId = 3160, Level = LogLevel.Warning,
        Message = "{Count} message(s) on stream {Stream} are not signals ({Cause}), acknowledged and dropped; the last, seq {Sequence}: {Detail} ({Total} of this cause since start; at most one such line a minute)")]
    private static partial void LogMalformed(ILogger logger, long count, string stream, string cause, ulong sequence, string detail, long total);
}

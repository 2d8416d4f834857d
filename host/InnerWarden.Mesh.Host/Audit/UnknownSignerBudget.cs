using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>
/// How much a flood of strangers may write: in each UTC minute the first <c>linesPerMinute</c> lines about unknown signers
/// are written in full, the rest are only counted per verdict and reason, and each count becomes one summary line when the
/// minute is over. Anyone can make identities for free, so their lines are bounded by time, never by signer. Not thread
/// safe: the <see cref="AuditLog"/> calls it under its lock.
/// </summary>
internal sealed class UnknownSignerBudget
{
    private readonly int _linesPerMinute;
    private readonly string _detail;
    private readonly Dictionary<(string Action, string Reason), long> _counts = [];
    private readonly List<AuditRecord> _summaries = [];
    private long _minute = long.MinValue;
    private int _written;

    public UnknownSignerBudget(int linesPerMinute)
    {
        _linesPerMinute = linesPerMinute;
        _detail = $"signals of unknown signers past audit.unknown_lines_per_minute ({linesPerMinute}), counted";
    }

    /// <summary>Signals counted into summary lines instead of written, since start.</summary>
    public long Counted { get; private set; }

    /// <summary>True when a line at <paramref name="at"/> belongs to a later minute than the one being counted.</summary>
    public bool StartsNewMinute(DateTimeOffset at) => at.UtcTicks / TimeSpan.TicksPerMinute > _minute;

    /// <summary>
    /// True when the line is to be written in full; otherwise it was counted. A line of a later minute starts that minute
    /// (take the summaries of the one before first); a late line of an earlier minute counts in the current one.
    /// </summary>
    public bool Admit(string action, string reason, DateTimeOffset at)
    {
        long minute = at.UtcTicks / TimeSpan.TicksPerMinute;
        if (minute > _minute)
        {
            _minute = minute;
            _written = 0;
        }
        if (_written < _linesPerMinute)
        {
            _written++;
            return true;
        }
        CollectionsMarshal.GetValueRefOrAddDefault(_counts, (action, reason), out _)++;
        Counted++;
        return false;
    }

    /// <summary>
    /// The summary lines of the minute being counted, once it is over at <paramref name="now"/>, or at once when
    /// <paramref name="force"/> (shutdown, or a line of the next minute arrived); empty when nothing was counted. The counts
    /// are cleared; the list is reused by the next call.
    /// </summary>
    public IReadOnlyList<AuditRecord> TakeSummaries(DateTimeOffset now, bool force)
    {
        _summaries.Clear();
        if (_counts.Count == 0)
        {
            return _summaries;
        }
        var start = new DateTimeOffset(_minute * TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var end = start.AddMinutes(1);
        if (!force && now < end)
        {
            return _summaries;
        }
        // A summary closes its window at logged_at: the minute's end, or the moment of a shutdown inside it.
        var at = now < end && now >= start ? now : end;
        foreach (var ((action, reason), count) in _counts.OrderBy(c => c.Key.Action, StringComparer.Ordinal).ThenBy(c => c.Key.Reason, StringComparer.Ordinal))
        {
            _summaries.Add(new AuditRecord(at, "received", null, null, null, null, null, null, null, action, reason, _detail, null, null, null)
            {
                Count = count,
                WindowStart = start,
            });
        }
        _counts.Clear();
        return _summaries;
    }
}

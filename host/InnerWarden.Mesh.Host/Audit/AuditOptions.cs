namespace InnerWarden.Mesh.Host.Audit;

/// <summary>The <c>audit:</c> section of the config: how much audit log a node keeps, and how much a flood of strangers may write.</summary>
/// <param name="MaxBytes">Bound on all audit segments together (<c>audit.max_size_mb</c>); the oldest segment goes first.</param>
/// <param name="MaxAgeDays">Segments whose UTC day ended longer ago than this many days are removed (<c>audit.max_age_days</c>).</param>
/// <param name="UnknownLinesPerMinute">
/// Lines about signals from unknown signers written in full per minute (<c>audit.unknown_lines_per_minute</c>); past it they
/// are counted into one line per verdict and reason for the minute.
/// </param>
internal sealed record AuditOptions(
    long MaxBytes = AuditOptions.DefaultMaxSizeMb * AuditOptions.BytesPerMb,
    int MaxAgeDays = AuditOptions.DefaultMaxAgeDays,
    int UnknownLinesPerMinute = AuditOptions.DefaultUnknownLinesPerMinute)
{
    public const long BytesPerMb = 1024 * 1024;

    /// <summary>1 GiB: weeks of ordinary traffic, and a bound a full disk does not get near on any server.</summary>
    public const int DefaultMaxSizeMb = 1024;

    public const int DefaultMaxAgeDays = 14;

    /// <summary>
    /// One a second: 60 full lines a minute of ~480 bytes for 14 days is ~580 MB, so even a flood that never stops
    /// leaves the age bound, not the size bound, deciding what is kept at the defaults.
    /// </summary>
    public const int DefaultUnknownLinesPerMinute = 60;

    /// <summary>The smallest <see cref="MaxBytes"/>: room for a few segments of whole lines.</summary>
    public const long MinMaxBytes = 64 * 1024;

    /// <summary>Every key at its default.</summary>
    public static AuditOptions Default { get; } = new();

    /// <summary>The age bound.</summary>
    public TimeSpan MaxAge => TimeSpan.FromDays(MaxAgeDays);

    /// <summary>Throws for values no config can hold (the loader's ranges are stricter), so a test or caller cannot build a log that never bounds.</summary>
    public void Check()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, MinMaxBytes, nameof(MaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAgeDays, 1, nameof(MaxAgeDays));
        ArgumentOutOfRangeException.ThrowIfNegative(UnknownLinesPerMinute, nameof(UnknownLinesPerMinute));
    }

    /// <summary>
    /// Size of one segment before the next is opened: a sixteenth of the bound (64 MiB at the default), so removing the
    /// oldest segment frees a small part of the log, never most of it.
    /// </summary>
    public long SegmentBytes => Math.Max(MaxBytes / 16, 4096);
}

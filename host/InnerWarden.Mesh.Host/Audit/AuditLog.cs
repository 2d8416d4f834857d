using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>
/// Appends one JSON line per signal to <c>&lt;data_dir&gt;/mesh-signals-YYYY-MM-DD.jsonl</c> (UTC date of the line; a day
/// past <see cref="AuditOptions.SegmentBytes"/> goes on in <c>.1.jsonl</c>, <c>.2.jsonl</c>, ...: <see cref="AuditSegments"/>
/// keeps the files within the size and age bounds). <see cref="Write"/> formats the line into an in-memory batch at once
/// (about a microsecond, no object left behind for the garbage collector); a single background writer owns the files and
/// writes whole batches, so the pipeline never waits for the disk and never sees an I/O error: a full disk costs audit
/// lines (counted, and logged once a minute), never a signal. Lines about unknown signers past
/// <see cref="AuditOptions.UnknownLinesPerMinute"/> are counted by an <see cref="UnknownSignerBudget"/> instead.
/// </summary>
internal sealed partial class AuditLog : IAsyncDisposable
{
    // Longest a line waits in memory before the writer takes its batch (FlushAsync does not wait for it).
    private static readonly TimeSpan BatchPause = TimeSpan.FromMilliseconds(20);

    // How often the writer wakes without lines: to close a minute's counts and apply the age bound on a quiet node.
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromMinutes(1);

    // A failing disk is reported at most this often, with the count of lines lost in between.
    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromMinutes(1);

    // A batch buffer past this size is kept only while batches still fill half of it: a sustained flood keeps
    // its buffers, a one-off burst (or a stall of the disk) does not pin megabytes for the agent's lifetime.
    private const int RetainedBatchCapacity = 4 * 1024 * 1024;

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    // Relaxed escaping keeps base64 signatures greppable ('+' stays '+'); the file is never embedded in HTML.
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    // Guarded by _gate: the lines not yet taken by the writer, where each UTC day's run of them ends, the flushes waiting
    // for them, and the unknown signers' budget.
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private ArrayBufferWriter<byte> _filling = new(64 * 1024);
    private List<(long Day, int End)> _days = [];
    private List<TaskCompletionSource> _waiters = [];
    private readonly UnknownSignerBudget _budget;
    private bool _closed;
    private Task? _loop;
    private ITimer? _housekeeping;
    // Owned by the writer loop: the batch being written, the files, and what the failing disk has cost so far.
    private ArrayBufferWriter<byte> _draining = new(64 * 1024);
    private List<(long Day, int End)> _drainingDays = [];
    private readonly AuditSegments _segments;
    private DateTimeOffset? _failureLoggedAt;
    private long _lostSinceLogged;
    private DateTimeOffset? _trimFailureLoggedAt;
    private long _linesLost;

    public AuditLog(string directory, AuditOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        _directory = directory;
        _time = time;
        _logger = logger;
        _segments = new AuditSegments(directory, options);
        _budget = new UnknownSignerBudget(options.UnknownLinesPerMinute);
    }

    /// <summary>The file the first line written at <paramref name="at"/> goes to (the day's first segment).</summary>
    public static string PathFor(string directory, DateTimeOffset at) =>
        AuditSegments.PathFor(directory, at.UtcTicks / TimeSpan.TicksPerDay, 0);

    /// <summary>Every audit segment in <paramref name="directory"/>, oldest first.</summary>
    public static IReadOnlyList<string> Files(string directory) => AuditSegments.List(directory);

    /// <summary>Lines that could not be written (disk full, I/O error), since start.</summary>
    public long LinesLost => Interlocked.Read(ref _linesLost);

    /// <summary>Signals of unknown signers counted into summary lines instead of written one by one, since start.</summary>
    public long SignalsCounted
    {
        get
        {
            lock (_gate)
            {
                return _budget.Counted;
            }
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            _loop ??= Task.Run(WriteLoopAsync);
            if (!_closed)
            {
                _housekeeping ??= _time.CreateTimer(static state => ((AuditLog)state!).WakeForHousekeeping(), this, HousekeepingInterval, HousekeepingInterval);
            }
        }
    }

    /// <summary>Formats and queues a line (or counts it, for an unknown signer past the minute's budget); never throws.</summary>
    public void Write(in AuditRecord record)
    {
        bool wake;
        lock (_gate)
        {
            if (_closed)
            {
                LogDropped(_logger, record.Action);
                return;
            }
            bool wasEmpty = _filling.WrittenCount == 0;
            if (record.UnknownSigner)
            {
                if (_budget.StartsNewMinute(record.LoggedAt))
                {
                    AppendSummariesLocked(record.LoggedAt, force: true);
                }
                if (_budget.Admit(record.Action, record.Reason, record.LoggedAt))
                {
                    AppendLocked(record);
                }
            }
            else
            {
                AppendLocked(record);
            }
            wake = wasEmpty && _filling.WrittenCount > 0;
        }
        if (wake)
        {
            _wake.Release();
        }
    }

    /// <summary>Completes when every line queued before the call is on disk.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_closed)
            {
                return Task.CompletedTask;
            }
            _waiters.Add(done);
        }
        Start();
        _wake.Release();
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        Task loop;
        bool first;
        ITimer? housekeeping;
        lock (_gate)
        {
            // Lines queued before disposal are still written, even by a log that was never started.
            first = !_closed;
            _closed = true;
            loop = _loop ??= Task.Run(WriteLoopAsync);
            housekeeping = _housekeeping;
            _housekeeping = null;
        }
        if (!first)
        {
            await loop.ConfigureAwait(false);
            return;
        }
        if (housekeeping is not null)
        {
            await housekeeping.DisposeAsync().ConfigureAwait(false);
        }
        _wake.Release();
        await loop.ConfigureAwait(false);
        _wake.Dispose();
        await _json.DisposeAsync().ConfigureAwait(false);
    }

    private void WakeForHousekeeping()
    {
        try
        {
            // One pending wake is enough: a clock that jumps fires many ticks at once, and each would cost the loop a pass.
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (ObjectDisposedException)
        {
            // A tick that raced disposal: the loop is gone, and so is the work.
        }
    }

    // Formatted apart first, so a line that fails half-way leaves nothing of itself in the batch.
    private void AppendLocked(in AuditRecord record)
    {
        try
        {
            AuditLineFormat.WriteLine(_json, _line, record);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            _line.ResetWrittenCount();
            LogFormatFailed(_logger, record.Action, ex.Message, ex);
            return;
        }
        _filling.Write(_line.WrittenSpan);
        _line.ResetWrittenCount();
        // Runs of lines per UTC day, each ending where its last line ends.
        long day = record.LoggedAt.UtcTicks / TimeSpan.TicksPerDay;
        if (_days.Count > 0 && _days[^1].Day == day)
        {
            _days[^1] = (day, _filling.WrittenCount);
        }
        else
        {
            _days.Add((day, _filling.WrittenCount));
        }
    }

    private void AppendSummariesLocked(DateTimeOffset now, bool force)
    {
        foreach (var summary in _budget.TakeSummaries(now, force))
        {
            AppendLocked(summary);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync().ConfigureAwait(false);
                bool hurry;
                lock (_gate)
                {
                    hurry = _waiters.Count > 0 || _closed;
                }
                if (!hurry)
                {
                    // Under a stream of signals, writing each line costs a system call and a thread wake-up per
                    // signal; pausing lets lines gather into one batch and one write.
                    await Task.Delay(BatchPause).ConfigureAwait(false);
                }
                List<TaskCompletionSource> waiters;
                bool closed;
                DateTimeOffset now;
                lock (_gate)
                {
                    // Read under the lock: a flush registered before this batch is taken then sees the minutes that had ended
                    // when it was called. A minute whose counts are complete (or all of them, at shutdown) goes into this batch.
                    now = _time.GetUtcNow();
                    AppendSummariesLocked(now, force: _closed);
                    (_filling, _draining) = (_draining, _filling);
                    (_days, _drainingDays) = (_drainingDays, _days);
                    waiters = _waiters;
                    _waiters = [];
                    closed = _closed;
                }
                try
                {
                    await WriteBatchAsync(now).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The write loop must outlive any one batch: the failure is logged and the batch dropped.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    // Not an I/O error (those are handled per file): still never leave a flush waiting forever
                    // or stop auditing because of one batch.
                    LogWriteFailed(_logger, _segments.CurrentPath, _draining.WrittenSpan.Count((byte)'\n'), ex.Message, ex);
                    _draining.ResetWrittenCount();
                    _drainingDays.Clear();
                }
                foreach (var waiter in waiters)
                {
                    waiter.TrySetResult();
                }
                if (closed)
                {
                    return;
                }
            }
        }
        finally
        {
            try
            {
                await _segments.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, _segments.CurrentPath, 0, ex.Message, ex);
            }
        }
    }

    private async Task WriteBatchAsync(DateTimeOffset now)
    {
        int start = 0;
        foreach (var (day, end) in _drainingDays)
        {
            var lines = _draining.WrittenMemory[start..end];
            var (written, error) = await _segments.WriteAsync(day, lines).ConfigureAwait(false);
            if (error is not null)
            {
                Lost(lines.Span[written..].Count((byte)'\n'), error, now);
            }
            else if (_failureLoggedAt is not null)
            {
                LogWritable(_logger, _segments.CurrentPath, _lostSinceLogged);
                _failureLoggedAt = null;
                _lostSinceLogged = 0;
            }
            start = end;
        }
        _drainingDays.Clear();
        if (_draining.Capacity > RetainedBatchCapacity && _draining.Capacity > 2 * _draining.WrittenCount)
        {
            _draining = new ArrayBufferWriter<byte>(64 * 1024);
        }
        else
        {
            _draining.ResetWrittenCount();
        }
        await _segments.TrimAsync(now, (path, why) => LogRemoved(_logger, path, why), (path, ex) =>
        {
            if (_trimFailureLoggedAt is not { } last || now - last >= FailureLogInterval)
            {
                _trimFailureLoggedAt = now;
                LogRemoveFailed(_logger, path, ex.Message, ex);
            }
        }).ConfigureAwait(false);
    }

    // Lines the disk did not take: counted, and reported once when it starts and then at most once a minute, so a full disk
    // under a flood is a line a minute in the journal, not one per batch.
    private void Lost(int lines, Exception error, DateTimeOffset now)
    {
        Interlocked.Add(ref _linesLost, lines);
        _lostSinceLogged += lines;
        if (_failureLoggedAt is { } last && now - last < FailureLogInterval)
        {
            return;
        }
        LogWriteFailed(_logger, _segments.CurrentPath, _lostSinceLogged, error.Message, error);
        _failureLoggedAt = now;
        _lostSinceLogged = 0;
    }

    [LoggerMessage(EventId = 3500, Level = LogLevel.Error, Message = "audit log {Path} could not be written ({Lines} lines lost since the last report; reported at most once a minute): {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string path, long lines, string error, Exception exception);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Error, Message = "audit line for {Action} could not be formatted: {Error}")]
    private static partial void LogFormatFailed(ILogger logger, string action, string error, Exception exception);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Warning, Message = "audit log closed, {Action} line dropped")]
    private static partial void LogDropped(ILogger logger, string action);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Information, Message = "audit log {Path} is written again ({Lines} more lines were lost since the last report)")]
    private static partial void LogWritable(ILogger logger, string path, long lines);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Information, Message = "audit segment {Path} removed: {Why}")]
    private static partial void LogRemoved(ILogger logger, string path, string why);

    [LoggerMessage(EventId = 3505, Level = LogLevel.Warning, Message = "audit segment {Path} could not be removed (reported at most once a minute): {Error}")]
    private static partial void LogRemoveFailed(ILogger logger, string path, string error, Exception exception);
}

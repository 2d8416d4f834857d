using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>
/// Appends one JSON line per signal to <c>&lt;data_dir&gt;/mesh-signals-YYYY-MM-DD.jsonl</c> (UTC date of the
/// line). <see cref="Write"/> formats the line into an in-memory batch at once (about a microsecond, no object
/// left behind for the garbage collector); a single background writer owns the files and writes whole batches,
/// so the pipeline never waits for the disk and never sees an I/O error (those are logged).
/// </summary>
internal sealed partial class AuditLog : IAsyncDisposable
{
    // Longest a line waits in memory before the writer takes its batch (FlushAsync does not wait for it).
    private static readonly TimeSpan BatchPause = TimeSpan.FromMilliseconds(20);

    // A batch buffer past this size is kept only while batches still fill half of it: a sustained flood keeps
    // its buffers, a one-off burst (or a stall of the disk) does not pin megabytes for the agent's lifetime.
    private const int RetainedBatchCapacity = 4 * 1024 * 1024;

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    // Relaxed escaping keeps base64 signatures greppable ('+' stays '+'); the file is never embedded in HTML.
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    // Guarded by _gate: the lines not yet taken by the writer, where each UTC day's run of them ends, and the
    // flushes waiting for them.
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private ArrayBufferWriter<byte> _filling = new(64 * 1024);
    private List<(long Day, int End)> _days = [];
    private List<TaskCompletionSource> _waiters = [];
    private bool _closed;
    private Task? _loop;
    // Owned by the writer loop: the batch being written and the open day's file.
    private ArrayBufferWriter<byte> _draining = new(64 * 1024);
    private List<(long Day, int End)> _drainingDays = [];
    // Closed by CloseFileAsync, which the write loop calls when it ends (disposal ends the loop).
#pragma warning disable CA2213 // Disposed through CloseFileAsync on the write loop, which the analyzer cannot follow.
    private FileStream? _file;
#pragma warning restore CA2213
    private string? _currentPath;
    private long _currentDay = -1;

    public AuditLog(string directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
    }

    /// <summary>The file a line written at <paramref name="at"/> goes to.</summary>
    public static string PathFor(string directory, DateTimeOffset at) =>
        Path.Combine(directory, "mesh-signals-" + at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".jsonl");

    public void Start()
    {
        lock (_gate)
        {
            _loop ??= Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>Formats and queues a line; never throws.</summary>
    public void Write(in AuditRecord record)
    {
        long day = record.LoggedAt.UtcTicks / TimeSpan.TicksPerDay;
        bool wasEmpty;
        lock (_gate)
        {
            if (_closed)
            {
                LogDropped(_logger, record.Action);
                return;
            }
            wasEmpty = _filling.WrittenCount == 0;
            try
            {
                // Formatted apart first, so a line that fails half-way leaves nothing of itself in the batch.
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
            if (_days.Count > 0 && _days[^1].Day == day)
            {
                _days[^1] = (day, _filling.WrittenCount);
            }
            else
            {
                _days.Add((day, _filling.WrittenCount));
            }
        }
        if (wasEmpty)
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
        lock (_gate)
        {
            // Lines queued before disposal are still written, even by a log that was never started.
            first = !_closed;
            _closed = true;
            loop = _loop ??= Task.Run(WriteLoopAsync);
        }
        if (!first)
        {
            await loop.ConfigureAwait(false);
            return;
        }
        _wake.Release();
        await loop.ConfigureAwait(false);
        _wake.Dispose();
        await _json.DisposeAsync().ConfigureAwait(false);
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
                lock (_gate)
                {
                    (_filling, _draining) = (_draining, _filling);
                    (_days, _drainingDays) = (_drainingDays, _days);
                    waiters = _waiters;
                    _waiters = [];
                    closed = _closed;
                }
                try
                {
                    await WriteBatchAsync().ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The write loop must outlive any one batch: the failure is logged and the batch dropped.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    // Not an I/O error (those are handled per file): still never leave a flush waiting forever
                    // or stop auditing because of one batch.
                    LogWriteFailed(_logger, _currentPath ?? _directory, _draining.WrittenSpan.Count((byte)'\n'), ex.Message, ex);
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
            await CloseFileAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteBatchAsync()
    {
        int start = 0;
        foreach (var (day, end) in _drainingDays)
        {
            await WriteDayAsync(day, _draining.WrittenMemory[start..end]).ConfigureAwait(false);
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
    }

    private async Task WriteDayAsync(long day, ReadOnlyMemory<byte> lines)
    {
        try
        {
            if (day != _currentDay || _file is null)
            {
                // A new UTC day (or the first batch): roll to that day's file.
                await CloseFileAsync().ConfigureAwait(false);
                Directory.CreateDirectory(_directory);
                var path = PathFor(_directory, new DateTimeOffset(day * TimeSpan.TicksPerDay, TimeSpan.Zero));
                _currentPath = path;
                _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
                _currentDay = day;
            }
            await _file.WriteAsync(lines).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, _currentPath ?? _directory, lines.Span.Count((byte)'\n'), ex.Message, ex);
            await CloseFileAsync().ConfigureAwait(false);
        }
    }

    private async Task CloseFileAsync()
    {
        var file = _file;
        _file = null;
        _currentDay = -1;
        if (file is not null)
        {
            try
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, _currentPath ?? _directory, 0, ex.Message, ex);
            }
        }
    }

    [LoggerMessage(EventId = 3500, Level = LogLevel.Error, Message = "audit log {Path} could not be written ({Lines} lines lost): {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string path, int lines, string error, Exception exception);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Error, Message = "audit line for {Action} could not be formatted: {Error}")]
    private static partial void LogFormatFailed(ILogger logger, string action, string error, Exception exception);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Warning, Message = "audit log closed, {Action} line dropped")]
    private static partial void LogDropped(ILogger logger, string action);
}

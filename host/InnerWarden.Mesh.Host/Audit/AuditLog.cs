using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>
/// Appends one JSON line per signal to <c>&lt;data_dir&gt;/mesh-signals-YYYY-MM-DD.jsonl</c> (UTC date of the
/// line). A single background writer owns the file; <see cref="Write"/> only queues, so the pipeline never
/// waits for the disk and never sees an I/O error (those are logged).
/// </summary>
internal sealed partial class AuditLog : IAsyncDisposable
{
    // Relaxed escaping keeps base64 signatures greppable ('+' stays '+'); the file is never embedded in HTML.
    private static readonly AuditJsonContext Json = new(new JsonSerializerOptions(AuditJsonContext.Default.Options) { TypeInfoResolver = null, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    // Longest a line waits in memory before the writer wakes for it (FlushAsync does not wait for it).
    private static readonly TimeSpan BatchPause = TimeSpan.FromMilliseconds(20);

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Channel<Item> _channel = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _loop;
    // The open day's file and a JSON writer over it: lines are serialized straight to UTF-8, no string per line.
    private FileStream? _writer;
    private Utf8JsonWriter? _json;
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

    public void Start() => _loop ??= Task.Run(WriteLoopAsync);

    /// <summary>Queues a line; never throws.</summary>
    public void Write(AuditRecord record)
    {
        if (!_channel.Writer.TryWrite(new Item(record, null)))
        {
            LogDropped(_logger, record.Action);
        }
    }

    /// <summary>Completes when every line queued before the call is on disk.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite(new Item(null, done)))
        {
            return Task.CompletedTask;
        }
        Start();
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _channel.Reader;
        var waiters = new List<TaskCompletionSource>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (item.Record is not null)
                    {
                        await WriteLineAsync(item.Record).ConfigureAwait(false);
                    }
                    else if (item.Done is not null)
                    {
                        waiters.Add(item.Done);
                    }
                }
                await FlushWriterAsync().ConfigureAwait(false);
                bool flushRequested = waiters.Count > 0;
                foreach (var waiter in waiters)
                {
                    waiter.TrySetResult();
                }
                waiters.Clear();
                if (!flushRequested)
                {
                    // Under a stream of signals, waiting for each line costs a thread wake-up per signal (several
                    // microseconds, a tenth of an Ed25519 verify); pausing lets lines gather into one batch and write.
                    await Task.Delay(BatchPause).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    private async Task CloseAsync()
    {
        if (_json is not null)
        {
            await _json.DisposeAsync().ConfigureAwait(false);
            _json = null;
        }
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }
    }

    private async Task WriteLineAsync(AuditRecord record)
    {
        try
        {
            long day = record.LoggedAt.UtcTicks / TimeSpan.TicksPerDay;
            if (day != _currentDay || _writer is null || _json is null)
            {
                // A new UTC day (or the first line): roll to that day's file.
                await CloseAsync().ConfigureAwait(false);
                Directory.CreateDirectory(_directory);
                var path = PathFor(_directory, record.LoggedAt);
                _writer = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
                _json = new Utf8JsonWriter(_writer, new JsonWriterOptions { Encoder = Json.Options.Encoder });
                _currentPath = path;
                _currentDay = day;
            }
            JsonSerializer.Serialize(_json, record, Json.AuditRecord);
            _json.Flush();
            _json.Reset();
            _writer.WriteByte((byte)'\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, _currentPath ?? _directory, ex.Message, ex);
            _json = null;
            _writer = null;
            _currentPath = null;
            _currentDay = -1;
        }
    }

    private async Task FlushWriterAsync()
    {
        try
        {
            if (_writer is not null)
            {
                await _writer.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, _currentPath ?? _directory, ex.Message, ex);
        }
    }

    private sealed record Item(AuditRecord? Record, TaskCompletionSource? Done);

    [LoggerMessage(EventId = 3500, Level = LogLevel.Error, Message = "audit log {Path} could not be written: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string path, string error, Exception exception);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Warning, Message = "audit log closed, {Action} line dropped")]
    private static partial void LogDropped(ILogger logger, string action);
}

using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// Reads and writes <c>&lt;data_dir&gt;/mesh-state.json</c>. Writes are atomic (temp file in the same folder,
/// fsync, rename over), so a crash leaves either the old or the new file, never half of one. Changes are
/// debounced into one write per <c>debounce</c>; <see cref="FlushAsync"/> writes at once (shutdown, tests).
/// A save of a large state (tens of thousands of staged and remembered entries) costs tens of milliseconds and
/// allocates much, so under a steady stream of changes the interval stretches with the cost of the last save
/// (see <see cref="DelayAfter"/>): at most about 1/<see cref="CostFactor"/> of one core goes to saving, and a
/// change still reaches the disk within <see cref="MaxDelay"/> (or the debounce, if longer) plus one save.
/// </summary>
internal sealed partial class MeshStateStore : IAsyncDisposable
{
    public const string FileName = "mesh-state.json";

    /// <summary>The interval between saves is at least this many times the last save's cost.</summary>
    public const int CostFactor = 50;

    /// <summary>Longest a change waits for its save however costly saves are (unless the debounce is longer).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    private readonly Func<MeshState> _snapshot;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly Lock _saveGate = new();
    private int _dirty;
    private long _saves;
    private long _saveTicks;
    private long _lastSaveTicks;
    private int _scheduled;
    private Task _pending = Task.CompletedTask;
    // Completed by FlushAsync to cut the scheduled save's wait short (shutdown must not sit out the debounce).
    private TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MeshStateStore(string dataDirectory, TimeProvider time, ILogger logger, Func<MeshState> snapshot, TimeSpan? debounce = null)
    {
        FilePath = Path.Combine(dataDirectory, FileName);
        _time = time;
        _logger = logger;
        _snapshot = snapshot;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(200);
    }

    public string FilePath { get; }

    /// <summary>Debounced and flushed saves done so far (snapshot, serialize, write), for benchmarks and diagnostics.</summary>
    public long Saves => Interlocked.Read(ref _saves);

    /// <summary>Total time spent in those saves, snapshot included.</summary>
    public TimeSpan SaveTime => TimeSpan.FromTicks(Interlocked.Read(ref _saveTicks));

    /// <summary>Reads a state file without touching it (for the CLI): a missing file is the empty state.</summary>
    public static StateReadResult TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return new StateReadResult(MeshState.Empty, null);
        }
        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllBytes(path), MeshStateJsonContext.Default.MeshState);
            if (state is null)
            {
                return new StateReadResult(null, $"{path}: the file holds no state object");
            }
            if (state.Version != MeshState.CurrentVersion)
            {
                return new StateReadResult(null, $"{path}: unsupported format version {state.Version} (this build reads {MeshState.CurrentVersion})");
            }
            // Lists absent from the file deserialize as null; treat them as empty.
            return new StateReadResult(state with
            {
                Peers = state.Peers ?? [],
                Reputations = state.Reputations ?? [],
                Staged = state.Staged ?? [],
                Remembered = state.Remembered ?? [],
            }, null);
        }
        catch (JsonException ex)
        {
            return new StateReadResult(null, $"{path}: not valid state JSON: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new StateReadResult(null, $"{path}: cannot be read: {ex.Message}");
        }
    }

    /// <summary>
    /// Loads the state at start. A corrupt or unreadable file is renamed to <c>mesh-state.json.corrupt-&lt;time&gt;</c>
    /// with an error log (never silently overwritten) and the node starts empty.
    /// </summary>
    public MeshState Load()
    {
        var read = TryRead(FilePath);
        if (read.State is not null)
        {
            return read.State;
        }
        var aside = FilePath + ".corrupt-" + _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        try
        {
            File.Move(FilePath, aside);
            LogCorrupt(_logger, read.Error ?? FilePath, aside);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Could not move it: refuse to start rather than overwrite what may be the only copy of the blocks.
            throw new InvalidOperationException($"{read.Error}; moving it aside to {aside} failed too: {ex.Message}", ex);
        }
        return MeshState.Empty;
    }

    /// <summary>Writes the state now, atomically.</summary>
    public void Save(MeshState state)
    {
        lock (_saveGate)
        {
            var directory = Path.GetDirectoryName(FilePath) ?? ".";
            Directory.CreateDirectory(directory);
            var temp = FilePath + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
            {
                // Straight to the file: the state runs to megabytes (tens of thousands of remembered signals), and
                // serializing it to one array first took a large-object array per save plus pooled buffers grown
                // to match (16 MiB each), which ArrayPool.Shared then kept alive per thread: most of the node's heap.
                JsonSerializer.Serialize(stream, state, MeshStateJsonContext.Default.MeshState);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
        }
    }

    /// <summary>Notes a change; the state is written within the debounce interval.</summary>
    public void MarkDirty()
    {
        // Called for every staged signal from every pipeline thread: a plain read first keeps the cache line
        // shared while a save is already pending, instead of bouncing it between cores with a write per signal.
        if (Volatile.Read(ref _dirty) == 1 && Volatile.Read(ref _scheduled) == 1)
        {
            return;
        }
        Interlocked.Exchange(ref _dirty, 1);
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            var hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _hurry, hurry);
            _pending = Task.Run(() => SaveLaterAsync(hurry.Task));
        }
    }

    /// <summary>Writes pending changes now (a scheduled save stops waiting for its interval).</summary>
    public async Task FlushAsync()
    {
        Volatile.Read(ref _hurry).TrySetResult();
        await _pending.ConfigureAwait(false);
        SaveIfDirty();
    }

    public async ValueTask DisposeAsync() => await FlushAsync().ConfigureAwait(false);

    /// <summary>
    /// How long a change waits for its save: the debounce, stretched to <see cref="CostFactor"/> times the last
    /// save's cost so saving cannot starve the pipeline, but never past <see cref="MaxDelay"/> (a crash loses at
    /// most that much) unless the configured debounce is longer.
    /// </summary>
    public static TimeSpan DelayAfter(TimeSpan debounce, TimeSpan lastSaveCost)
    {
        var stretched = lastSaveCost * CostFactor;
        var cap = debounce > MaxDelay ? debounce : MaxDelay;
        return stretched <= debounce ? debounce : stretched < cap ? stretched : cap;
    }

    private async Task SaveLaterAsync(Task hurry)
    {
        // Wall-clock: the debounce bounds disk writes and CPU, it is not node logic.
        var interval = Task.Delay(DelayAfter(_debounce, TimeSpan.FromTicks(Interlocked.Read(ref _lastSaveTicks))));
        await Task.WhenAny(interval, hurry).ConfigureAwait(false);
        Interlocked.Exchange(ref _scheduled, 0);
        SaveIfDirty();
    }

    private void SaveIfDirty()
    {
        if (Interlocked.Exchange(ref _dirty, 0) == 0)
        {
            return;
        }
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            Save(_snapshot());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Interlocked.Exchange(ref _dirty, 1);
            LogSaveFailed(_logger, FilePath, ex.Message, ex);
        }
        finally
        {
            long cost = System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks;
            Interlocked.Exchange(ref _lastSaveTicks, cost);
            Interlocked.Increment(ref _saves);
            Interlocked.Add(ref _saveTicks, cost);
        }
    }

    [LoggerMessage(EventId = 3400, Level = LogLevel.Critical, Message = "state file unreadable ({Error}); moved aside to {Aside}, starting with empty state")]
    private static partial void LogCorrupt(ILogger logger, string error, string aside);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Error, Message = "state file {Path} could not be written, retried at the next change: {Error}")]
    private static partial void LogSaveFailed(ILogger logger, string path, string error, Exception exception);
}

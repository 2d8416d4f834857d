using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.Files;

/// <summary>
/// Wakes a follower as soon as something happens to the file it follows: inotify on the file's directory, through
/// <see cref="FileSystemWatcher"/>. The directory is watched rather than the file so a rename (logrotate), a
/// delete and recreate and a new day's file all wake it too. Events only say "look now": what is read, and whether
/// the file was rotated or truncated, is still decided from the file itself, so a lost or coalesced event loses no
/// line. Where events are unavailable (the directory is missing, the inotify limits are reached, no inotify) the
/// caller polls instead; that is logged once.
/// </summary>
internal sealed partial class FileEvents(TimeProvider time, ILogger logger) : IDisposable
{
    /// <summary>
    /// With events, a check this often anyway: a watch can be lost without an event (its directory replaced, an
    /// inotify queue overflow), and the check notices and watches again. It adds no delay while events arrive.
    /// </summary>
    public static readonly TimeSpan Backstop = TimeSpan.FromSeconds(5);

    // Setting up a watch that failed is tried again this often, not on every poll.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _wake = new(0, 1);
    private FileSystemWatcher? _watcher;
    private string? _directory;
    private FileIdentity _directoryIdentity;
    private bool _directoryIdentityKnown;
    private volatile string? _name;
    private long _retryAt;
    private bool _unavailableLogged;

    /// <summary>Makes sure the directory of <paramref name="path"/> is watched.</summary>
    /// <returns>False when events are unavailable for it: the caller polls.</returns>
    public bool Watch(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? "/";
        _name = Path.GetFileName(full);
        if (_watcher is not null && string.Equals(directory, _directory, StringComparison.Ordinal) && StillSameDirectory(directory))
        {
            return true;
        }
        if (_watcher is null && string.Equals(directory, _directory, StringComparison.Ordinal) && time.GetTimestamp() < _retryAt)
        {
            return false;
        }
        Close();
        _directory = directory;
        try
        {
            _directoryIdentityKnown = FileIdentity.TryOfPathFollowingLinks(directory, out _directoryIdentity);
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                IncludeSubdirectories = false,
                InternalBufferSize = 64 * 1024,
            };
            watcher.Changed += OnChanged;
            watcher.Created += OnAny;
            watcher.Deleted += OnAny;
            watcher.Renamed += OnAny;
            watcher.Error += OnError;
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
            LogWatching(logger, directory);
            return true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            _retryAt = time.GetTimestamp() + (long)(RetryAfter.TotalSeconds * time.TimestampFrequency);
            if (!_unavailableLogged)
            {
                _unavailableLogged = true;
                LogUnavailable(logger, directory, ex.Message);
            }
            return false;
        }
    }

    /// <summary>Waits for the next event (or <see cref="Backstop"/> on the time provider).</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Backstop, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _wake.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The backstop: look at the file and the watch anyway.
        }
    }

    private bool StillSameDirectory(string directory) =>
        !_directoryIdentityKnown
        || (FileIdentity.TryOfPathFollowingLinks(directory, out var now) && now.SameFileAs(_directoryIdentity));

    // Runs on the watcher's thread: only wakes the follower.
    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another event woke it first.
            }
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        // Other files in /var/log change all the time; only the followed one's writes matter.
        if (string.Equals(e.Name, _name, StringComparison.Ordinal))
        {
            Wake();
        }
    }

    private void OnAny(object sender, FileSystemEventArgs e) => Wake();

    private void OnError(object sender, ErrorEventArgs e)
    {
        // Usually an overflowed event queue: events were lost, so look at the file now.
        LogEventError(logger, _directory ?? "", e.GetException().Message);
        Wake();
    }

    private void Close()
    {
        _watcher?.Dispose();
        _watcher = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _watcher?.Dispose();
        _watcher = null;
        _wake.Dispose();
    }

    [LoggerMessage(EventId = 6905, Level = LogLevel.Debug, Message = "Watching {Directory} for file events (inotify)")]
    private static partial void LogWatching(ILogger logger, string directory);

    [LoggerMessage(EventId = 6906, Level = LogLevel.Warning, Message = "File events are unavailable for {Directory} ({Error}); polling the file instead (poll_interval_ms)")]
    private static partial void LogUnavailable(ILogger logger, string directory, string error);

    [LoggerMessage(EventId = 6907, Level = LogLevel.Debug, Message = "File event error on {Directory}: {Error}; reading the file now")]
    private static partial void LogEventError(ILogger logger, string directory, string error);
}

using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace InnerWarden.Mesh.Detectors.Files;

/// <summary>
/// Follows a growing text file: woken by file events (<see cref="FileEvents"/>, inotify) and polled only where events
/// are unavailable. The path to follow is asked for on every read, so the same code follows a log that logrotate
/// renames away (same path, new inode) and a file that is replaced by a new one each day (new path): in both cases
/// the old file is read to its end, then the new one from its start. A file shrinking below the read position was
/// truncated (copytruncate) and is read again from 0. A last line without its newline waits until the newline arrives.
/// </summary>
internal sealed partial class FileFollower : IDisposable
{
    private const int ReadChunk = 64 * 1024;

    private readonly Func<string> _resolvePath;
    private readonly int _maxLineBytes;
    private readonly ILogger _logger;
    private readonly byte[] _chunk = new byte[ReadChunk];
    private byte[] _partial = new byte[256];
    private int _partialLength;
    private bool _discardingLongLine;
    private bool _startAtEnd;

    private SafeFileHandle? _handle;
    private FileIdentity _handleIdentity;
    private bool _handleIdentityKnown;
    private string? _path;
    private long _position;
    private long _lineNumber;

    /// <param name="resolvePath">The path to follow now; asked on every read.</param>
    /// <param name="startAtEnd">Skip what the first file already holds (don't replay old history on start).</param>
    /// <param name="maxLineBytes">Longer lines are skipped (reported with null text).</param>
    /// <param name="logger">Where rotation, truncation and read errors are reported.</param>
    public FileFollower(Func<string> resolvePath, bool startAtEnd, int maxLineBytes, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _resolvePath = resolvePath;
        _startAtEnd = startAtEnd;
        _maxLineBytes = maxLineBytes;
        _logger = logger;
    }

    /// <summary>The file currently open, if any.</summary>
    public string? CurrentPath => _path;

    /// <summary>
    /// Follows forever: reads what is new, then waits for the next file event, or <paramref name="pollInterval"/> on
    /// <paramref name="time"/> where events are unavailable.
    /// </summary>
    public async IAsyncEnumerable<FollowedLine> FollowAsync(TimeSpan pollInterval, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var events = new FileEvents(time, _logger);
        var lines = new List<FollowedLine>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Watched before reading: whatever is written from here on wakes the wait below.
            var watching = events.Watch(_resolvePath());
            lines.Clear();
            var more = Poll(lines);
            foreach (var line in lines)
            {
                yield return line;
            }
            if (more)
            {
                continue;
            }
            if (watching)
            {
                await events.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(pollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One poll: appends the complete lines that are new to <paramref name="output"/>. Never throws for I/O trouble
    /// (it is logged and retried on the next poll).
    /// </summary>
    /// <returns>True when the read budget ran out before the end of the file (poll again without waiting).</returns>
    public bool Poll(List<FollowedLine> output, int maxBytes = 4 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            return PollCore(output, maxBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogReadFailed(_logger, _path ?? "(none)", ex.Message);
            Close();
            return false;
        }
    }

    private bool PollCore(List<FollowedLine> output, int maxBytes)
    {
        var desired = _resolvePath();
        if (_handle is null)
        {
            var fromEnd = _startAtEnd;
            _startAtEnd = false;
            if (!TryOpen(desired, fromEnd))
            {
                return false;
            }
        }

        // Two rounds at most: finish the old file, then start on its replacement in the same poll.
        for (var round = 0; round < 2; round++)
        {
            var length = RandomAccess.GetLength(_handle!);
            if (length < _position)
            {
                LogTruncated(_logger, _path!, _position, length);
                _position = 0;
                _partialLength = 0;
                _discardingLongLine = false;
            }
            if (ReadAvailable(output, ref maxBytes))
            {
                return true;
            }
            if (!IsReplaced(desired))
            {
                return false;
            }
            // The writer has moved on: whatever is left of the old file, including an unterminated last line, is final.
            if (ReadAvailable(output, ref maxBytes))
            {
                return true;
            }
            FlushPartial(output);
            var old = _path!;
            Close();
            if (!TryOpen(desired, fromEnd: false))
            {
                return false;
            }
            LogSwitched(_logger, old, desired);
        }
        return false;
    }

    private bool IsReplaced(string desired)
    {
        if (!string.Equals(desired, _path, StringComparison.Ordinal))
        {
            return File.Exists(desired);
        }
        if (_handleIdentityKnown && FileIdentity.TryOfPathFollowingLinks(desired, out var now))
        {
            // Missing: renamed away and the new file not created yet; keep reading the old one.
            return now.Kind != FileKind.Missing && !now.SameFileAs(_handleIdentity);
        }
        // No inode information here: a path that is shorter than what we have read, while our handle is not,
        // is a different file.
        var info = new FileInfo(desired);
        return info.Exists && info.Length < _position && RandomAccess.GetLength(_handle!) >= _position;
    }

    private bool TryOpen(string path, bool fromEnd)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        _handleIdentityKnown = FileIdentity.TryOfHandle(_handle, out _handleIdentity);
        _path = path;
        _position = fromEnd ? RandomAccess.GetLength(_handle) : 0;
        _lineNumber = 0;
        _partialLength = 0;
        _discardingLongLine = false;
        LogOpened(_logger, path, _position);
        return true;
    }

    /// <returns>True when the budget ran out before the end of the file.</returns>
    private bool ReadAvailable(List<FollowedLine> output, ref int budget)
    {
        while (budget > 0)
        {
            var read = RandomAccess.Read(_handle!, _chunk.AsSpan(0, Math.Min(_chunk.Length, budget)), _position);
            if (read <= 0)
            {
                return false;
            }
            _position += read;
            budget -= read;
            Split(_chunk.AsSpan(0, read), output);
        }
        return true;
    }

    private void Split(ReadOnlySpan<byte> data, List<FollowedLine> output)
    {
        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            var segment = newline < 0 ? data : data[..newline];
            if (!_discardingLongLine && _partialLength + segment.Length > _maxLineBytes)
            {
                _discardingLongLine = true;
                _partialLength = 0;
            }
            if (newline < 0)
            {
                if (!_discardingLongLine)
                {
                    AppendPartial(segment);
                }
                return;
            }
            _lineNumber++;
            if (_discardingLongLine)
            {
                LogLineTooLong(_logger, _path!, _lineNumber, _maxLineBytes);
                output.Add(new FollowedLine(_path!, _lineNumber, null));
                _discardingLongLine = false;
            }
            else if (_partialLength == 0)
            {
                output.Add(new FollowedLine(_path!, _lineNumber, Decode(segment)));
            }
            else
            {
                AppendPartial(segment);
                output.Add(new FollowedLine(_path!, _lineNumber, Decode(_partial.AsSpan(0, _partialLength))));
                _partialLength = 0;
            }
            data = data[(newline + 1)..];
        }
    }

    private void FlushPartial(List<FollowedLine> output)
    {
        if (_partialLength > 0 && !_discardingLongLine)
        {
            _lineNumber++;
            output.Add(new FollowedLine(_path!, _lineNumber, Decode(_partial.AsSpan(0, _partialLength))));
        }
        _partialLength = 0;
        _discardingLongLine = false;
    }

    private void AppendPartial(ReadOnlySpan<byte> segment)
    {
        var needed = _partialLength + segment.Length;
        if (needed > _partial.Length)
        {
            Array.Resize(ref _partial, Math.Max(needed, _partial.Length * 2));
        }
        segment.CopyTo(_partial.AsSpan(_partialLength));
        _partialLength = needed;
    }

    private static string Decode(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        // Invalid UTF-8 becomes U+FFFD: a log line with garbage bytes is still a line, never an error.
        return Encoding.UTF8.GetString(line);
    }

    private void Close()
    {
        _handle?.Dispose();
        _handle = null;
        _path = null;
        _position = 0;
        _partialLength = 0;
        _discardingLongLine = false;
    }

    /// <inheritdoc />
    public void Dispose() => Close();

    [LoggerMessage(EventId = 6900, Level = LogLevel.Debug, Message = "Following {Path} from byte {Position}")]
    private static partial void LogOpened(ILogger logger, string path, long position);

    [LoggerMessage(EventId = 6901, Level = LogLevel.Information, Message = "{OldPath} was replaced (rotated or a new day's file); finished it and now following {NewPath} from its start")]
    private static partial void LogSwitched(ILogger logger, string oldPath, string newPath);

    [LoggerMessage(EventId = 6902, Level = LogLevel.Warning, Message = "{Path} shrank from {Position} to {Length} bytes (truncated); reading it again from the start")]
    private static partial void LogTruncated(ILogger logger, string path, long position, long length);

    [LoggerMessage(EventId = 6903, Level = LogLevel.Warning, Message = "{Path} line {LineNumber} is longer than {MaxBytes} bytes; skipped")]
    private static partial void LogLineTooLong(ILogger logger, string path, long lineNumber, int maxBytes);

    [LoggerMessage(EventId = 6904, Level = LogLevel.Warning, Message = "Reading {Path} failed: {Error}; retrying on the next poll")]
    private static partial void LogReadFailed(ILogger logger, string path, string error);
}

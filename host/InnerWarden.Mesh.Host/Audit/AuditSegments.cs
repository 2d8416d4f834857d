using System.Globalization;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>
/// The audit log's files and their bounds, owned by the <see cref="AuditLog"/>'s writer loop (one caller at a time).
/// A UTC day's lines go to <c>mesh-signals-YYYY-MM-DD.jsonl</c> (the original's name), then, each time a segment reaches
/// <see cref="AuditOptions.SegmentBytes"/>, to <c>mesh-signals-YYYY-MM-DD.1.jsonl</c>, <c>.2.jsonl</c>, ...; a segment only
/// ever holds whole lines. Past <see cref="AuditOptions.MaxBytes"/> the oldest segments are removed, and so is every
/// segment whose day ended more than <see cref="AuditOptions.MaxAge"/> ago. Files of other names are never touched.
/// </summary>
internal sealed class AuditSegments(string directory, AuditOptions options)
{
    private const string Prefix = "mesh-signals-";
    private const string Suffix = ".jsonl";
    private const int DateLength = 10;

    // Oldest first, by day then index; null until the directory was read.
    private List<Segment>? _segments;
    private long _total;
    private Segment? _open;
#pragma warning disable CA2213 // Closed by CloseAsync, which the log's write loop calls when it ends.
    private FileStream? _file;
#pragma warning restore CA2213

    /// <summary>The segment being written, else the directory (for messages).</summary>
    public string CurrentPath => _open?.Path ?? directory;

    /// <summary>Bytes in every segment together, as far as this writer knows.</summary>
    public long TotalBytes => _total;

    /// <summary>The file of segment <paramref name="index"/> of the UTC day <paramref name="day"/> (days since 0001-01-01).</summary>
    public static string PathFor(string directory, long day, int index)
    {
        var date = new DateTime(day * TimeSpan.TicksPerDay, DateTimeKind.Utc).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return Path.Combine(directory, index == 0 ? Prefix + date + Suffix : Prefix + date + "." + index.ToString(CultureInfo.InvariantCulture) + Suffix);
    }

    /// <summary>The audit segments in <paramref name="directory"/>, oldest first (name order puts <c>.10</c> before <c>.2</c>).</summary>
    public static IReadOnlyList<string> List(string directory) =>
        Directory.EnumerateFiles(directory, Prefix + "*" + Suffix)
            .Select(path => (Path: path, Parsed: TryParse(Path.GetFileName(path), out long day, out int index), Day: day, Index: index))
            .Where(f => f.Parsed)
            .OrderBy(f => f.Day).ThenBy(f => f.Index)
            .Select(f => f.Path)
            .ToList();

    /// <summary>Reads a segment's file name; false for any other file.</summary>
    public static bool TryParse(string fileName, out long day, out int index)
    {
        day = 0;
        index = 0;
        if (!fileName.StartsWith(Prefix, StringComparison.Ordinal) || !fileName.EndsWith(Suffix, StringComparison.Ordinal)
            || fileName.Length < Prefix.Length + DateLength + Suffix.Length
            || !DateTime.TryParseExact(fileName.AsSpan(Prefix.Length, DateLength), "yyyy-MM-dd", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            return false;
        }
        day = date.Ticks / TimeSpan.TicksPerDay;
        var rest = fileName.AsSpan(Prefix.Length + DateLength, fileName.Length - Prefix.Length - DateLength - Suffix.Length);
        if (rest.IsEmpty)
        {
            return true;
        }
        // ".N" with N a plain positive number, as this writer names them.
        return rest.Length > 1 && rest[0] == '.' && rest[1] != '0'
            && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out index) && index > 0;
    }

    /// <summary>
    /// Appends whole lines of the UTC day <paramref name="day"/>, opening the next segment where one is full. Returns how many
    /// bytes reached a file and, when a write failed, why (a partly written line is cut off again, so every segment stays
    /// whole lines); I/O errors are returned, never thrown.
    /// </summary>
    public async Task<(int Written, Exception? Error)> WriteAsync(long day, ReadOnlyMemory<byte> lines)
    {
        int written = 0;
        long? cutBackTo = null;
        try
        {
            Read();
            while (written < lines.Length)
            {
                if (_file is null || _open is null || _open.Day != day)
                {
                    await OpenAsync(day, next: false).ConfigureAwait(false);
                }
                var rest = lines[written..];
                long room = options.SegmentBytes - _open!.Size; // OpenAsync always leaves a segment open (or throws)
                int take = rest.Length <= room ? rest.Length : room > 0 ? rest.Span[..(int)room].LastIndexOf((byte)'\n') + 1 : 0;
                if (take == 0)
                {
                    if (_open.Size > 0)
                    {
                        await OpenAsync(day, next: true).ConfigureAwait(false);
                        continue;
                    }
                    // A line longer than a whole segment (no signal makes one): it goes alone, whole.
                    take = rest.Span.IndexOf((byte)'\n') + 1;
                    take = take == 0 ? rest.Length : take;
                }
                cutBackTo = _open.Size;
                await _file!.WriteAsync(rest[..take]).ConfigureAwait(false);
                cutBackTo = null;
                Grow(_open, take);
                written += take;
            }
            return (written, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await AbandonAsync(cutBackTo).ConfigureAwait(false);
            return (written, ex);
        }
    }

    /// <summary>
    /// Removes the segments past the age bound, then the oldest ones until the size bound holds (the one being written last of
    /// all, and never the only one). Calls <paramref name="removed"/> for each file removed and <paramref name="failed"/> for
    /// one that could not be (the rest waits for the next call).
    /// </summary>
    public async Task TrimAsync(DateTimeOffset now, Action<string, string> removed, Action<string, Exception> failed)
    {
        try
        {
            Read();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failed(directory, ex);
            return;
        }
        var segments = _segments!; // Read fills it or throws
        // A segment of day D holds lines up to the end of D: it is removed once the end of D is MaxAge old.
        long oldestKeptDay = (now.UtcTicks - options.MaxAge.Ticks) / TimeSpan.TicksPerDay - 1;
        while (segments.Count > 0 && segments[0].Day <= oldestKeptDay)
        {
            if (!await RemoveAsync(segments[0], $"older than {options.MaxAgeDays} days", failed).ConfigureAwait(false))
            {
                return;
            }
        }
        while (_total > options.MaxBytes && segments.Count > 1)
        {
            var oldest = segments[0] == _open ? segments[1] : segments[0];
            if (!await RemoveAsync(oldest, $"the audit log is over {options.MaxBytes} bytes", failed).ConfigureAwait(false))
            {
                return;
            }
        }

        async Task<bool> RemoveAsync(Segment segment, string why, Action<string, Exception> onFailure)
        {
            if (segment == _open)
            {
                await CloseAsync().ConfigureAwait(false);
            }
            try
            {
                File.Delete(segment.Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                onFailure(segment.Path, ex);
                return false;
            }
            segments.Remove(segment);
            _total -= segment.Size;
            removed(segment.Path, why);
            return true;
        }
    }

    /// <summary>Closes the open segment (the next write opens it again).</summary>
    public async ValueTask CloseAsync()
    {
        var file = _file;
        _file = null;
        _open = null;
        if (file is not null)
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Learns the segments already on disk, once: their sizes count toward the bound from the start.
    private void Read()
    {
        if (_segments is not null)
        {
            return;
        }
        Directory.CreateDirectory(directory);
        var segments = new List<Segment>();
        long total = 0;
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Suffix))
        {
            if (TryParse(Path.GetFileName(path), out long day, out int index))
            {
                var segment = new Segment(day, index, path) { Size = new FileInfo(path).Length };
                segments.Add(segment);
                total += segment.Size;
            }
        }
        segments.Sort(static (a, b) => a.Day != b.Day ? a.Day.CompareTo(b.Day) : a.Index.CompareTo(b.Index));
        _segments = segments;
        _total = total;
    }

    // Opens the day's last segment, or (next, or when it is full) a new one after it.
    private async Task OpenAsync(long day, bool next)
    {
        await CloseAsync().ConfigureAwait(false);
        var segments = _segments!; // Read ran before any write
        int last = segments.FindLastIndex(s => s.Day == day);
        Segment segment;
        if (last >= 0 && !next && segments[last].Size < options.SegmentBytes)
        {
            segment = segments[last];
        }
        else
        {
            int index = last >= 0 ? segments[last].Index + 1 : 0;
            segment = new Segment(day, index, PathFor(directory, day, index));
            // In day order, also when the clock stepped back to a day that has segments after it.
            int later = segments.FindIndex(s => s.Day > day);
            segments.Insert(last >= 0 ? last + 1 : later >= 0 ? later : segments.Count, segment);
        }
        // Not FileMode.Append: a failed write must be cut back to whole lines, and an append-mode stream cannot be shortened.
        var file = new FileStream(segment.Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
        try
        {
            long length = file.Seek(0, SeekOrigin.End);
            _total += length - segment.Size;
            segment.Size = length;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _file = file;
        _open = segment;
    }

    private void Grow(Segment segment, long bytes)
    {
        segment.Size += bytes;
        _total += bytes;
    }

    // After a failed write: cut the file back to where the failed write began (a half line would spoil the next one), close it.
    private async Task AbandonAsync(long? cutBackTo)
    {
        if (cutBackTo is { } length && _file is { } file)
        {
            try
            {
                file.SetLength(length);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: the next open reads the real length.
            }
        }
        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Closing flushes nothing (unbuffered); a failure here changes nothing on disk.
        }
    }

    // A class: the open segment is found in the list by reference.
    private sealed class Segment(long day, int index, string path)
    {
        public long Day { get; } = day;

        public int Index { get; } = index;

        public string Path { get; } = path;

        public long Size { get; set; }
    }
}

using System.Collections.Concurrent;
using InnerWarden.Mesh.Contracts.Diagnostics;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Http.Server;

/// <summary>
/// The journal side of the server's last-resort guard: a request that failed in a way no check foresaw is written
/// once per minute per cause (where it failed and the exception's type), with how many more happened in between,
/// so a peer that found such a request cannot flood the journal by repeating it. The stack trace is written only
/// at the debug level.
/// </summary>
internal sealed partial class RequestFaultLog(ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Counts the fault and writes it when its cause was not written in the last minute.</summary>
    public void Report(string where, string remote, Exception exception)
    {
        var cause = where + ": " + exception.GetType().Name;
        var now = time.GetUtcNow();
        var window = _windows.GetOrAdd(cause, _ => new Window());
        long suppressed;
        lock (window)
        {
            if (window.LastWritten is { } last && now - last < Interval)
            {
                window.Suppressed++;
                return;
            }
            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LastWritten = now;
        }
        var debug = logger.IsEnabled(LogLevel.Debug) ? exception : null;
        LogFault(logger, debug, cause, remote, LogText.Bounded(exception.Message), suppressed);
    }

    private sealed class Window
    {
        public DateTimeOffset? LastWritten { get; set; }

        public long Suppressed { get; set; }
    }

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning,
        Message = "refused a request that failed unexpectedly ({Cause}) from {Remote}: {Error}; {Suppressed} more of this cause in the last minute were not logged")]
    private static partial void LogFault(ILogger logger, Exception? exception, string cause, string remote, string error, long suppressed);
}

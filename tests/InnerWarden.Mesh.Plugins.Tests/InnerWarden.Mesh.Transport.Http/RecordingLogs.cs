using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

/// <summary>A logger factory that keeps every line at Information and above with its event id, as the journal would get it.</summary>
internal sealed class RecordingLogs : ILoggerFactory
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Text)> Lines { get; } = new();

    public IReadOnlyList<string> WithEvent(int eventId) => [.. Lines.Where(l => l.EventId == eventId).Select(l => l.Text)];

    public ILogger CreateLogger(string categoryName) => new Logger(Lines);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(int, LogLevel, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
            }
        }
    }
}

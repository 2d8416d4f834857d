using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>Keeps every log entry (level, event id, formatted message), so a test can count what reached the journal.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
}

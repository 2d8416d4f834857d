using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// Warnings of work a command does before the agent's own logging exists (loading the plugin catalog to check the config),
/// written to the command's stderr as <c>innerwarden: warning: ...</c> so they are not lost.
/// </summary>
internal sealed class CliLogger(TextWriter stderr) : ILogger
{
    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            stderr.WriteLine($"innerwarden: {(logLevel == LogLevel.Warning ? "warning" : "error")}: {formatter(state, exception)}");
        }
    }
}

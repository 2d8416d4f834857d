using InnerWarden.Mesh.Enforcers.Commands;

namespace InnerWarden.Mesh.IntegrationTests.Enforcers;

/// <summary>Passes commands through to the real runner and counts them, so a test can prove a batch is one process.</summary>
internal sealed class CountingRunner(ICommandRunner inner) : ICommandRunner
{
    private int _calls;

    public int Calls => _calls;

    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? stdin, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return inner.RunAsync(fileName, arguments, stdin, cancellationToken);
    }
}

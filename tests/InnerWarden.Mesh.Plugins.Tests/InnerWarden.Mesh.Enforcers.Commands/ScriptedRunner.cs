using InnerWarden.Mesh.Enforcers.Commands;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.Commands;

/// <summary>Records every command and answers from a script of responses (default: exit 0, no output).</summary>
internal sealed class ScriptedRunner : ICommandRunner
{
    private readonly List<Func<string, IReadOnlyList<string>, CommandResult?>> _responses = [];

    public List<(string File, string Args, string? Stdin)> Calls { get; } = [];

    /// <summary>Answers commands whose "file args" text contains <paramref name="match"/>.</summary>
    public ScriptedRunner On(string match, CommandResult result)
    {
        _responses.Add((f, a) => $"{f} {string.Join(' ', a)}".Contains(match, StringComparison.Ordinal) ? result : null);
        return this;
    }

    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? stdin, CancellationToken cancellationToken)
    {
        Calls.Add((fileName, string.Join(' ', arguments), stdin));
        // Later registrations win, so a test can override a default.
        for (var i = _responses.Count - 1; i >= 0; i--)
        {
            if (_responses[i](fileName, arguments) is { } r)
            {
                return Task.FromResult(r);
            }
        }
        return Task.FromResult(new CommandResult(0, "", ""));
    }
}

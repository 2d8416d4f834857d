using InnerWarden.Mesh.Contracts.Enforcement;

namespace InnerWarden.Mesh.Enforcers.Commands;

/// <summary>Formats commands and failures for error messages.</summary>
public static class CommandText
{
    // nft echoes the offending input line; with 100,000 elements on one line that would be megabytes in a log.
    private const int MaxErrorChars = 2000;

    /// <summary>The command as a shell would show it.</summary>
    public static string Format(string fileName, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return arguments.Count == 0 ? fileName : fileName + " " + string.Join(' ', arguments);
    }

    /// <summary>Runs the command and throws <see cref="EnforcerException"/> naming it and its stderr unless it exits 0.</summary>
    public static async Task<CommandResult> RunCheckedAsync(
        this ICommandRunner runner, string fileName, IReadOnlyList<string> arguments, string? stdin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var result = await runner.RunAsync(fileName, arguments, stdin, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Failure(fileName, arguments, result);
        }
        return result;
    }

    /// <summary>The exception for a command that exited non-zero.</summary>
    public static EnforcerException Failure(string fileName, IReadOnlyList<string> arguments, CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var stderr = result.Stderr.Trim();
        if (stderr.Length > MaxErrorChars)
        {
            stderr = string.Concat(stderr.AsSpan(0, MaxErrorChars), "...");
        }
        return new EnforcerException($"`{Format(fileName, arguments)}` failed with exit code {result.ExitCode}: {(stderr.Length == 0 ? "(no error output)" : stderr)}");
    }
}

namespace InnerWarden.Mesh.Enforcers.Commands;

/// <summary>Runs a command to completion; the seam that lets unit tests see the scripts a firewall plugin generates.</summary>
public interface ICommandRunner
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>, writing <paramref name="stdin"/> (when not null) to its input.</summary>
    Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? stdin, CancellationToken cancellationToken);
}

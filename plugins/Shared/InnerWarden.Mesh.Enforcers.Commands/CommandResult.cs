namespace InnerWarden.Mesh.Enforcers.Commands;

/// <summary>What a finished command returned.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="Stdout">Everything it wrote to standard output.</param>
/// <param name="Stderr">Everything it wrote to standard error.</param>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr);

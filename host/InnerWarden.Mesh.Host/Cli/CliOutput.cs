using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>The writers and exit codes commands use, so tests can run the CLI in-process.</summary>
internal static class CliOutput
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static TextWriter Out(ParseResult parseResult) => parseResult.InvocationConfiguration.Output;

    public static TextWriter Error(ParseResult parseResult) => parseResult.InvocationConfiguration.Error;

    /// <summary>Prints <c>innerwarden: message</c> to stderr and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(ParseResult parseResult, int exitCode, string message)
    {
        Error(parseResult).WriteLine($"innerwarden: {message}");
        return exitCode;
    }

    /// <summary>The body of a command whose handler another part of the code base supplies.</summary>
    public static int NotAvailable(ParseResult parseResult) =>
        Fail(parseResult, Failure, $"'{parseResult.CommandResult.Command.Name}' is not available in this build");
}

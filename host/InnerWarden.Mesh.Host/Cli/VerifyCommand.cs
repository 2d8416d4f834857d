using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh verify FILE|-</c>: check a signed signal's form and signature.</summary>
internal static class VerifyCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var file = new Argument<string>("FILE") { Description = "A signal as JSON, or - for standard input" };
        var json = GlobalOptions.Json();
        var command = new Command("verify", "Verify a signed threat signal (the original's JSON form); exit 0 valid, 1 invalid, 2 unreadable") { file, json };
        command.SetAction(parseResult => VerifyCommandHandler.Run(
            parseResult.GetValue(file) ?? "-", Console.In, CliOutput.Out(parseResult), CliOutput.Error(parseResult),
            TimeProvider.System, parseResult.GetValue(json)));
        return command;
    }
}

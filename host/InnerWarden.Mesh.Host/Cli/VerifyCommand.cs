using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh verify FILE|-</c>: check a signed signal's form and signature.</summary>
internal static class VerifyCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var file = new Argument<string>("FILE") { Description = "A signal as JSON, or - for standard input" };
        var command = new Command("verify", "Verify a signed threat signal (JSON)") { file };
        // The handler (VerifyCommandHandler.Run) comes from another branch; the lead wires it in at merge.
        command.SetAction(CliOutput.NotAvailable);
        return command;
    }
}

using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden demo</c>: the local three-node demo.</summary>
internal static class DemoCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var command = new Command("demo", "Run three nodes in this process and show a signal travel between them (no root needed)");
        // The handler (DemoCommandHandler.Run) comes from another branch; the lead wires it in at merge.
        command.SetAction(CliOutput.NotAvailable);
        return command;
    }
}

using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh status [--json]</c>.</summary>
internal static class StatusCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var json = GlobalOptions.Json();
        var command = new Command("status", "Show this node's state: identity, peers, staged entries, blocks") { json };
        // The handler (StatusCommandHandler.Run) comes from another branch; the lead wires it in at merge.
        command.SetAction(CliOutput.NotAvailable);
        return command;
    }
}

using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh identity [--json]</c>.</summary>
internal static class IdentityCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var json = GlobalOptions.Json();
        var command = new Command("identity", "Show this node's id (public key)") { json };
        // The handler (IdentityCommandHandler.Run) comes from another branch; the lead wires it in at merge.
        command.SetAction(CliOutput.NotAvailable);
        return command;
    }
}

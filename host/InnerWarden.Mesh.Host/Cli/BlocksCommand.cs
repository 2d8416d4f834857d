using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh blocks [--json]</c>.</summary>
internal static class BlocksCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var json = GlobalOptions.Json();
        var command = new Command("blocks", "List the blocks this node holds in its firewall") { json };
        // The handler (BlocksCommandHandler.Run) comes from another branch; the lead wires it in at merge.
        command.SetAction(CliOutput.NotAvailable);
        return command;
    }
}

using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh peers [--json]</c>.</summary>
internal static class PeersCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var json = GlobalOptions.Json();
        var command = new Command("peers", "List configured and discovered peers with their trust and link state") { json };
        // The handler (PeersCommandHandler.Run) comes from another branch; the lead wires it in at merge.
        command.SetAction(CliOutput.NotAvailable);
        return command;
    }
}

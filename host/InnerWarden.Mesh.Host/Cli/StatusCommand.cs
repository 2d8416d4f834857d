using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh status [--json]</c> (fields: see StatusCommandHandler).</summary>
internal static class StatusCommand
{
    public static Command Create(GlobalOptions globals) =>
        StateCommand.Create(globals, "status", "Show this node's state: identity, peers, staged entries, blocks (from the state database)", StatusCommandHandler.Run);
}

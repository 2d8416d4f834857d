using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh blocks [--json]</c> (fields: see BlocksCommandHandler).</summary>
internal static class BlocksCommand
{
    public static Command Create(GlobalOptions globals) =>
        StateCommand.Create(globals, "blocks", "List staged addresses: action, score, expiry, contributing peers, confirmed", BlocksCommandHandler.Run);
}

using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh peers [--json]</c> (fields: see PeersCommandHandler).</summary>
internal static class PeersCommand
{
    public static Command Create(GlobalOptions globals) =>
        StateCommand.Create(globals, "peers", "List configured peers and known identities with their trust", PeersCommandHandler.Run);
}

using System.CommandLine;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// <c>innerwarden mesh enable</c> and <c>disable</c>: set <c>enabled</c> in the config file. Enabling also selects the sshd
/// detector when the file selects no detector and the host has an sshd log or journal (<see cref="SshdLogProbe"/>).
/// </summary>
internal static class EnableCommand
{
    private const string Sshd = "sshd";

    public static Command Create(GlobalOptions globals, bool enable)
    {
        var command = new Command(enable ? "enable" : "disable",
            enable ? "Enable the mesh in the config file (creates it if absent)" : "Disable the mesh in the config file");
        command.SetAction(parseResult =>
        {
            var path = globals.Locate(parseResult).ConfigPath;
            var word = enable ? "enabled" : "disabled";
            var output = CliOutput.Out(parseResult);
            if (!MeshConfigWriter.SetEnabled(path, enable))
            {
                output.WriteLine($"mesh is already {word} in {path}; nothing changed");
                return CliOutput.Success;
            }
            output.WriteLine($"mesh {word} in {path} (enabled: {(enable ? "false -> true" : "true -> false")})");
            if (enable && SshdLogProbe.Find() is { } found && MeshConfigWriter.SelectDetectorsIfNone(path, [Sshd]))
            {
                output.WriteLine($"detectors: none -> [{Sshd}] (this host has {found}): its own SSH attacks are blocked and confirm what peers report");
            }
            output.WriteLine(RestartHint.Text);
            return CliOutput.Success;
        });
        return command;
    }
}

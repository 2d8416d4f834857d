using System.CommandLine;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh report IP --detector NAME [--confidence C] [--evidence TEXT]</c>: report a local detection.</summary>
internal static class ReportCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var ip = new Argument<string>("IP") { Description = "The attacking address" };
        var detector = new Option<string>("--detector") { Description = "What saw it, e.g. ssh_bruteforce", Required = true };
        var confidence = new Option<float?>("--confidence") { Description = "0.0 - 1.0 (default 0.9)" };
        var evidence = new Option<string?>("--evidence") { Description = "Evidence text (only its SHA-256 leaves the node)" };
        var command = new Command("report", "Report a local detection to the running agent") { ip, detector, confidence, evidence };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var location = globals.Locate(parseResult);
            var dataDir = location.DataDirectoryFor(MeshConfigLoader.Read(location).OrThrow());
            return ReportCommandHandler.RunAsync(dataDir, parseResult.GetValue(ip) ?? "", parseResult.GetValue(detector) ?? "",
                parseResult.GetValue(confidence), parseResult.GetValue(evidence),
                CliOutput.Out(parseResult), CliOutput.Error(parseResult), cancellationToken);
        });
        return command;
    }
}

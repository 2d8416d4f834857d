using System.CommandLine;
using System.Net;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Validation;

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
            var config = MeshConfigLoader.Read(location).OrThrow();
            return ReportCommandHandler.RunAsync(location.DataDirectoryFor(config), parseResult.GetValue(ip) ?? "", parseResult.GetValue(detector) ?? "",
                parseResult.GetValue(confidence), parseResult.GetValue(evidence),
                CliOutput.Out(parseResult), CliOutput.Error(parseResult), cancellationToken, NeverBlocked(config));
        });
        return command;
    }

    // What the agent would refuse to block, as far as the config and this machine tell without DNS: the allowlist, the
    // interfaces' addresses and peers given by address (a peer's host name is resolved by the agent only).
    private static AddressPolicy NeverBlocked(MeshConfig config)
    {
        var policy = new AddressPolicy(config.Allowlist);
        policy.SetNamedPeerAddresses(config.Peers
            .Where(p => p.Endpoint.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
            .Select(p => (IPAddress.Parse(p.Endpoint.DnsSafeHost), p.Label ?? p.Endpoint.Authority)));
        return policy;
    }
}

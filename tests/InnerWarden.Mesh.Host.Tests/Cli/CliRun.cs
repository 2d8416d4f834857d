using InnerWarden.Mesh.Host.Cli;

namespace InnerWarden.Mesh.Host.Tests.Cli;

/// <summary>One in-process CLI run and what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Err)
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await MeshCli.RunAsync(args, stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}

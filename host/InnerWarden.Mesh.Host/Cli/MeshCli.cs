namespace InnerWarden.Mesh.Host.Cli;

/// <summary>The <c>innerwarden</c> command line (placeholder until the CLI lands).</summary>
internal static class MeshCli
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("innerwarden: no command yet");
        return Task.FromResult(args.Length == 0 ? 2 : 2);
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Ownership;
using InnerWarden.Mesh.Host.Plugins;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// The <c>innerwarden</c> command line. Exit codes: 0 success, 1 operational failure, 2 usage or config
/// error. Errors go to stderr as <c>innerwarden: ...</c>.
/// </summary>
internal static class MeshCli
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand Build(GlobalOptions globals)
    {
        var mesh = new Command("mesh", "Configure and inspect the mesh")
        {
            EnableCommand.Create(globals, enable: true),
            EnableCommand.Create(globals, enable: false),
            AddPeerCommand.Create(globals),
            RemovePeerCommand.Create(globals),
            PeersCommand.Create(globals),
            StatusCommand.Create(globals),
            IdentityCommand.Create(globals),
            BlocksCommand.Create(globals),
            VerifyCommand.Create(globals),
            ReportCommand.Create(globals),
        };
        return new RootCommand("InnerWarden.Mesh: attack one node, protect all others")
        {
            globals.Config,
            globals.DataDir,
            AgentCommand.Create(globals),
            mesh,
            ConfigCommand.Create(globals),
            DemoCommand.Create(globals),
        };
    }

    /// <summary>Parses and runs <paramref name="args"/>; writers default to the console (tests pass their own).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellationToken = default)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var parseResult = Build(new GlobalOptions()).Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            foreach (var error in parseResult.Errors)
            {
                await stderr.WriteLineAsync($"innerwarden: {error.Message}");
            }
            await stderr.WriteLineAsync("see: innerwarden --help");
            return CliOutput.UsageError;
        }
        try
        {
            var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
            if (parseResult.CommandResult.Command.Name == "agent")
            {
                // The agent handles its stop signals itself (AgentHost): a node stopping takes longer than the parser's
                // grace period, after which it would end the process with 143 mid-shutdown.
                configuration.ProcessTerminationTimeout = null;
            }
            return await parseResult.InvokeAsync(configuration, cancellationToken);
        }
        catch (ConfigException e)
        {
            // One report: every error of the file on its own line (file:line:column: key: problem), then how many.
            foreach (var error in e.Errors)
            {
                await stderr.WriteLineAsync($"innerwarden: {error}");
            }
            if (e.Errors.Count > 1)
            {
                await stderr.WriteLineAsync($"innerwarden: {e.Errors.Count} errors in {e.File}");
            }
            return CliOutput.UsageError;
        }
        catch (FileAccessException e)
        {
            await stderr.WriteLineAsync($"innerwarden: {e.Message}");
            // The agent runs as the service: the fix is the file's owner. A command the operator runs: sudo.
            if (parseResult.CommandResult.Command.Name == "agent")
            {
                if (e.Fix is not null)
                {
                    await stderr.WriteLineAsync($"innerwarden: fix it with: {e.Fix}");
                }
                return CliOutput.UsageError;
            }
            if (e.NeedsRoot)
            {
                await stderr.WriteLineAsync($"innerwarden: run it as root: sudo innerwarden {ShellWords(args)}");
                return CliOutput.Failure;
            }
            return CliOutput.UsageError;
        }
        catch (PluginLoadException e)
        {
            await stderr.WriteLineAsync($"innerwarden: {e.Message}");
            return CliOutput.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"innerwarden: {e.Message}");
            if (e is UnauthorizedAccessException && OperatingSystem.IsLinux() && NativeFiles.EffectiveUserId != 0)
            {
                await stderr.WriteLineAsync($"innerwarden: run it as root: sudo innerwarden {ShellWords(args)}");
            }
            return CliOutput.Failure;
        }
    }

    // The arguments as a shell would take them back: single-quoted where they hold anything but plain characters.
    private static string ShellWords(string[] args) => string.Join(' ', args.Select(a =>
        a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+".Contains(c, StringComparison.Ordinal))
            ? a
            : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
}

using System.ComponentModel;
using System.Diagnostics;
using InnerWarden.Mesh.Contracts.Enforcement;

namespace InnerWarden.Mesh.Enforcers.Commands;

/// <summary>
/// Runs commands as child processes. With a network namespace set, every command runs through
/// <c>ip netns exec &lt;ns&gt;</c>: that is how the namespace tests put a real firewall into a throw-away host.
/// </summary>
public sealed class ProcessCommandRunner(TimeSpan timeout, string? networkNamespace = null) : ICommandRunner
{
    /// <summary>The default bound on one firewall command; 100,000 elements take about a second.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? stdin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.IsNullOrEmpty(networkNamespace))
        {
            info.FileName = fileName;
        }
        else
        {
            info.FileName = "ip";
            info.ArgumentList.Add("netns");
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(networkNamespace);
            info.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new EnforcerException($"`{CommandText.Format(fileName, arguments)}` could not be started: {e.Message} (is {info.FileName} installed and on PATH?)", e);
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var token = timeoutSource.Token;
        try
        {
            // Read both streams while writing stdin: a large `nft -j list` would otherwise fill the pipe and deadlock.
            var stdoutTask = process.StandardOutput.ReadToEndAsync(token);
            var stderrTask = process.StandardError.ReadToEndAsync(token);
            if (stdin is not null)
            {
                try
                {
                    await process.StandardInput.WriteAsync(stdin.AsMemory(), token).ConfigureAwait(false);
                    await process.StandardInput.FlushAsync(token).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The process exited before reading all input (e.g. a parse error); its stderr says why.
                }
                finally
                {
                    process.StandardInput.Close();
                }
            }
            var stdout = await stdoutTask.ConfigureAwait(false);
            var stderr = await stderrTask.ConfigureAwait(false);
            await process.WaitForExitAsync(token).ConfigureAwait(false);
            return new CommandResult(process.ExitCode, stdout, stderr);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            throw new EnforcerException($"`{CommandText.Format(fileName, arguments)}` did not finish within {timeout.TotalSeconds:0.#}s and was killed");
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}

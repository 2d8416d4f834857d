using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.Sshd.Following;

/// <summary>
/// Reads sshd's messages from journald (<c>journalctl -f -o json -u ssh -u sshd</c>) where no auth log file
/// exists. Each output line is one JSON entry; its MESSAGE is the bare sshd message (a string, or an array of
/// bytes when it was not valid UTF-8). journalctl exiting is logged and it is started again.
/// </summary>
internal sealed partial class JournalctlReader(bool startAtEnd, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    /// <summary>The messages, until cancelled.</summary>
    public async IAsyncEnumerable<string> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            var info = new ProcessStartInfo("journalctl")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = false,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "-f", "-o", "json", "-u", "ssh", "-u", "sshd", "-n", first && startAtEnd ? "0" : "all" })
            {
                info.ArgumentList.Add(arg);
            }
            // After a restart, "all" would replay the journal; only the very first start may read history.
            if (!first)
            {
                info.ArgumentList[^1] = "0";
            }
            first = false;
            Process? process = null;
            try
            {
                process = Process.Start(info);
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                LogStartFailed(logger, ex.Message);
            }
            if (process is not null)
            {
                using (process)
                using (cancellationToken.Register(() => TryKill(process)))
                {
                    LogStarted(logger, process.Id);
                    while (await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                    {
                        if (TryGetMessage(line, out var message))
                        {
                            yield return message;
                        }
                    }
                    TryKill(process);
                    LogExited(logger);
                }
            }
            await Task.Delay(RestartDelay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The MESSAGE of one <c>journalctl -o json</c> line.</summary>
    internal static bool TryGetMessage(string jsonLine, out string message)
    {
        message = "";
        try
        {
            using var doc = JsonDocument.Parse(jsonLine);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("MESSAGE", out var value))
            {
                return false;
            }
            if (value.ValueKind == JsonValueKind.String)
            {
                message = value.GetString() ?? "";
                return true;
            }
            if (value.ValueKind == JsonValueKind.Array)
            {
                var bytes = new byte[value.GetArrayLength()];
                var i = 0;
                foreach (var b in value.EnumerateArray())
                {
                    if (!b.TryGetByte(out bytes[i++]))
                    {
                        return false;
                    }
                }
                message = System.Text.Encoding.UTF8.GetString(bytes);
                return true;
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "No sshd log file; reading sshd from journald (journalctl pid {Pid})")]
    private static partial void LogStarted(ILogger logger, int pid);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "Could not start journalctl to read sshd's log: {Error}. Set plugin_settings.sshd.log_path to the sshd log file")]
    private static partial void LogStartFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "journalctl exited; starting it again shortly")]
    private static partial void LogExited(ILogger logger);
}

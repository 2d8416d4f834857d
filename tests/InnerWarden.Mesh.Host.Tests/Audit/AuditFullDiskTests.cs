using System.Diagnostics;
using System.Text.Json;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Tests.TestDoubles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.Audit;

/// <summary>
/// Issue 13 item 3: a full disk never stops signal processing. The audit log on a small tmpfs the test mounts and fills:
/// writing never throws, what the disk did not take is counted and reported once a minute (not once per batch), no
/// half line is left behind, and writing resumes once there is space.
/// </summary>
public sealed class AuditFullDiskTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private string? _mount;

    public void Dispose()
    {
        if (_mount is not null)
        {
            Run("umount", "-l", _mount);
        }
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task A_full_disk_costs_counted_lines_reported_once_a_minute_and_writing_resumes_with_space()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "tmpfs is Linux");
        var data = Path.Combine(_dir.Path, "data");
        Directory.CreateDirectory(data);
        Skip.If(Run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", data) != 0, "cannot mount a tmpfs here (not root?)");
        _mount = data;
        // The day's segment as an earlier run left it, its last page all but full: 100 bytes are left, less than a line,
        // so once the disk is full every batch fails part-way through its first line and must be cut back.
        File.WriteAllText(AuditLog.PathFor(data, NodeHarness.Start), "{\"peers\":-1,\"pad\":\"" + new string('x', 4096 - 100 - 22) + "\"}\n");
        Assert.Equal(4096 - 100, new FileInfo(AuditLog.PathFor(data, NodeHarness.Start)).Length);
        var filler = Path.Combine(data, "filler");
        FillUp(filler);
        var time = new FakeTimeProvider(NodeHarness.Start);
        var logger = new CapturingLogger<AuditLog>();
        await using var log = new AuditLog(data, AuditOptions.Default, time, logger);
        log.Start();
        int written = 0;
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                log.Write(AuditLogTests.Record(time.GetUtcNow(), "blocked_full") with { Peers = written++ });
            }
            await log.FlushAsync();
        }

        Assert.Equal(500, log.LinesLost);
        Assert.Empty(Lines(data));
        Assert.Equal(4096 - 100, new FileInfo(AuditLog.PathFor(data, NodeHarness.Start)).Length);
        Assert.Single(logger.Entries, e => e.EventId.Id == 3500);
        // A minute later the disk is still full: one more report, with the count of what was lost meanwhile.
        time.Advance(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 100; i++)
        {
            log.Write(AuditLogTests.Record(time.GetUtcNow(), "blocked_full") with { Peers = written++ });
        }
        await log.FlushAsync();
        Assert.Equal(2, logger.Entries.Count(e => e.EventId.Id == 3500));

        File.Delete(filler);
        log.Write(AuditLogTests.Record(time.GetUtcNow(), "blocked_full") with { Peers = written++ });
        await log.FlushAsync();

        Assert.Equal([written - 1], Lines(data));
        Assert.Equal(600, log.LinesLost);
        Assert.Single(logger.Entries, e => e.EventId.Id == 3503 && e.Level == LogLevel.Information);
    }

    // Every line parses (a write cut off by the full disk left no half line); the earlier run's line (-1) is left out.
    private static List<int> Lines(string data) =>
        AuditLog.Files(data).SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("peers").GetInt32()).Where(n => n >= 0).ToList();

    private static void FillUp(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        foreach (int size in new[] { 4096, 64 })
        {
            try
            {
                while (true)
                {
                    file.Write(block.AsSpan(0, size));
                }
            }
            catch (IOException)
            {
                // ENOSPC: full at this block size; the smaller one takes what is left of the last page.
            }
        }
    }

    private static int Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            using var process = Process.Start(info)!; // Start returns null only for a shell-executed document
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1; // no such tool
        }
    }
}

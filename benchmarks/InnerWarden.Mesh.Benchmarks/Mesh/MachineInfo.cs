using System.Globalization;
using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>What the figures were measured on, and the process's resident memory.</summary>
internal static class MachineInfo
{
    /// <summary>One line: cores, CPU model, .NET version, GC mode.</summary>
    public static string Describe()
    {
        var model = "unknown CPU";
        try
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model;
        }
        catch (IOException)
        {
            // Not Linux: the model is only a label.
        }
        return $"{Environment.ProcessorCount} cores ({model}), {RuntimeInformation.FrameworkDescription}, "
            + $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC";
    }

    /// <summary>VmRSS from /proc/self/status in bytes, else the runtime's working set.</summary>
    public static long ResidentBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is not null)
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
            // Fall through to the portable figure.
        }
        return Environment.WorkingSet;
    }

    /// <summary>Resident memory after a full blocking, compacting collection.</summary>
    public static long ResidentAfterCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return ResidentBytes();
    }
}

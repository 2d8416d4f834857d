using System.Diagnostics;
using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// CPU time rather than wall time: on a machine shared with other work, wall time includes whatever else ran, while
/// CPU time counts only this process (or thread). Ratios are reported on both.
/// </summary>
internal static class CpuClock
{
    private const int ClockThreadCpuTime = 3;

    /// <summary>CPU time of the whole process so far.</summary>
    public static TimeSpan Process()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID); wall time elsewhere than Linux.</summary>
    public static TimeSpan Thread()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var spec) == 0)
        {
            return TimeSpan.FromTicks(spec.Seconds * TimeSpan.TicksPerSecond + spec.Nanoseconds / 100);
        }
        return Stopwatch.GetElapsedTime(0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // DllImport rather than LibraryImport: the struct is blittable, and LibraryImport would need unsafe code enabled.
    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clock, out TimeSpec spec);
}

using System.Globalization;

namespace InnerWarden.Mesh.Enforcers.Nftables.Native;

/// <summary>
/// Whether this process may change the firewall. Asked before a libnftables context is opened: without
/// CAP_NET_ADMIN the library writes "Operation not permitted (you must be root)" straight to the process's stderr,
/// before its error buffer exists, so the operator would get raw library lines instead of the agent's one line.
/// </summary>
internal static class NetAdminCapability
{
    private const int Bit = 12; // CAP_NET_ADMIN in linux/capability.h

    /// <summary>True when CapEff in /proc/self/status holds CAP_NET_ADMIN (or the file cannot tell: the kernel decides).</summary>
    public static bool IsEffective()
    {
        string? mask;
        try
        {
            mask = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal))?[7..].Trim();
        }
        catch (IOException)
        {
            return true;
        }
        return mask is null || !ulong.TryParse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits) || (bits & (1UL << Bit)) != 0;
    }
}

using System.Net;

namespace InnerWarden.Mesh.Contracts.Enforcement;

/// <summary>A block as the firewall holds it.</summary>
/// <param name="Ip">The address.</param>
/// <param name="Remaining">Time left before the backend removes it by itself, null where the backend keeps no timeout.</param>
/// <param name="PacketsDropped">Packets dropped from the address, null where the backend has no per-address counters.</param>
public sealed record AppliedBlock(IPAddress Ip, TimeSpan? Remaining, long? PacketsDropped);

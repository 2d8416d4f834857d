using System.Net;

namespace InnerWarden.Mesh.Detectors.Sshd.Parsing;

/// <summary>One recognised sshd line.</summary>
/// <param name="Kind">What it says.</param>
/// <param name="Ip">The remote address (IPv4-mapped IPv6 is returned as IPv4).</param>
/// <param name="Port">The remote port, or -1 when the line has none.</param>
internal readonly record struct SshdEvent(SshdEventKind Kind, IPAddress Ip, int Port);

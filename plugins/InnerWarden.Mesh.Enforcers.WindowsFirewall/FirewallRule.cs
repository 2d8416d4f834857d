using System.Net;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>One of our inbound block rules as the firewall holds it.</summary>
internal sealed record FirewallRule(string Name, IReadOnlyList<IPAddress> Addresses);

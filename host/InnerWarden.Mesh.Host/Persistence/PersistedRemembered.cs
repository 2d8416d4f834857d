using System.Net;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>A remembered discarded signal as persisted.</summary>
internal sealed record PersistedRemembered(string Ip, string NodeId, DateTimeOffset ExpiresAt)
{
    public static PersistedRemembered From(RememberedSignal r) => new(r.Ip.ToString(), r.NodeId, r.ExpiresAt);

    public RememberedSignal? ToRemembered() =>
        IPAddress.TryParse(Ip, out var ip) ? new RememberedSignal(ip, NodeId, ExpiresAt) : null;
}

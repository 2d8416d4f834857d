// PLACEHOLDER: the signals branch owns this file
using System.Security.Cryptography;

namespace InnerWarden.Mesh.Host.Identity;

/// <summary>The node's signing identity (placeholder: a random id, not persisted, no key).</summary>
internal sealed class NodeIdentity : IDisposable
{
    private NodeIdentity(string nodeId)
    {
        NodeId = nodeId;
    }

    public string NodeId { get; }

    public static NodeIdentity LoadOrCreate(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        return new NodeIdentity(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
    }

    public void Dispose()
    {
    }
}

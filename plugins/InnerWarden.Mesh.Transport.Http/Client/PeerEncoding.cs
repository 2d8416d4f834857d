namespace InnerWarden.Mesh.Transport.Http.Client;

/// <summary>What a peer is spoken to in, as learnt from its ping.</summary>
internal enum PeerEncoding
{
    /// <summary>Not pinged successfully yet: JSON, which every node reads, until a ping says otherwise.</summary>
    Unknown,
    /// <summary>An original node (its ping has no <c>encodings</c> marker).</summary>
    Json,
    /// <summary>A node of this project.</summary>
    MessagePack,
}

// PLACEHOLDER: the signals branch owns this file
using NSec.Cryptography;

namespace InnerWarden.Mesh.Host.Identity;

/// <summary>This node's Ed25519 key pair (placeholder).</summary>
internal sealed class NodeIdentity : IDisposable
{
    private const string KeyFileName = "mesh-identity.key";
    private readonly Key _key;

    private NodeIdentity(Key key)
    {
        _key = key;
        NodeId = Convert.ToHexStringLower(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string NodeId { get; }

    public static NodeIdentity LoadOrCreate(string dataDir)
    {
        var path = Path.Combine(dataDir, KeyFileName);
        if (File.Exists(path))
        {
            return FromSeed(File.ReadAllBytes(path));
        }
        Directory.CreateDirectory(dataDir);
        var seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(path, seed);
        return FromSeed(seed);
    }

    public static NodeIdentity FromSeed(ReadOnlySpan<byte> seed)
    {
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None };
        return new NodeIdentity(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, in parameters));
    }

    public string Sign(ReadOnlySpan<byte> data) => Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(_key, data));

    public void Dispose() => _key.Dispose();
}

using System.Security.Cryptography;
using InnerWarden.Mesh.Host.Ownership;
using NSec.Cryptography;

namespace InnerWarden.Mesh.Host.Identity;

/// <summary>
/// This node's Ed25519 key pair. On disk it is the original's format: the raw 32-byte seed in
/// <c>&lt;data_dir&gt;/mesh-identity.key</c>, so an existing node keeps its node_id.
/// </summary>
internal sealed class NodeIdentity : IDisposable
{
    /// <summary>The key file's name inside the data directory.</summary>
    public const string KeyFileName = "mesh-identity.key";

    /// <summary>Length of the raw Ed25519 seed.</summary>
    public const int SeedLength = 32;

    /// <summary>Length of an Ed25519 signature.</summary>
    public const int SignatureLength = 64;

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly Key _key;
    private readonly byte[] _publicKey;

    private NodeIdentity(Key key, string? keyFilePath, bool created, string? permissionWarning)
    {
        _key = key;
        _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        NodeId = Convert.ToHexStringLower(_publicKey);
        KeyFilePath = keyFilePath;
        WasCreated = created;
        PermissionWarning = permissionWarning;
    }

    /// <summary>The public key as 64 lowercase hex: the node's id on the wire.</summary>
    public string NodeId { get; }

    /// <summary>A copy of the raw 32-byte public key.</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    /// <summary>The key file this identity was loaded from or created in; null for <see cref="FromSeed(ReadOnlySpan{byte})"/>.</summary>
    public string? KeyFilePath { get; }

    /// <summary>True when <see cref="LoadOrCreate"/> generated a new key (first start).</summary>
    public bool WasCreated { get; }

    /// <summary>Set when the key file can be read by group or others; the caller should log it.</summary>
    public string? PermissionWarning { get; }

    /// <summary>An identity from a raw 32-byte Ed25519 seed.</summary>
    public static NodeIdentity FromSeed(ReadOnlySpan<byte> seed) => FromSeed(seed, null, false, null);

    /// <summary>
    /// Loads <c>&lt;dataDirectory&gt;/mesh-identity.key</c>, or creates it (and the directory) with mode 0600
    /// when it does not exist. Throws <see cref="IdentityException"/> for a file that cannot be used.
    /// </summary>
    public static NodeIdentity LoadOrCreate(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        string path = Path.GetFullPath(Path.Combine(dataDirectory, KeyFileName));
        if (Directory.Exists(path))
        {
            throw new IdentityException($"identity key file {path} is a directory, expected a {SeedLength}-byte file");
        }
        if (!File.Exists(path))
        {
#pragma warning disable CA2000 // Returned: the caller owns (and disposes) the identity.
            if (TryCreate(path) is { } created)
            {
                return created;
            }
#pragma warning restore CA2000
            // Another process created it between our check and our create: use theirs.
        }
        return Load(path);
    }

    /// <summary>Signs <paramref name="data"/> and returns the 64-byte signature as standard base64 with padding.</summary>
    public string Sign(ReadOnlySpan<byte> data)
    {
        Span<byte> signature = stackalloc byte[SignatureLength];
        SignatureAlgorithm.Ed25519.Sign(_key, data, signature);
        return Convert.ToBase64String(signature);
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static NodeIdentity FromSeed(ReadOnlySpan<byte> seed, string? path, bool created, string? warning)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"an Ed25519 seed is {SeedLength} bytes, got {seed.Length}", nameof(seed));
        }
        var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        return new NodeIdentity(key, path, created, warning);
    }

    private static NodeIdentity Load(string path)
    {
        Span<byte> seed = stackalloc byte[SeedLength];
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            if (length != SeedLength)
            {
                throw new IdentityException(
                    $"identity key file {path} is {length} bytes, expected {SeedLength} (a raw Ed25519 seed); refusing to replace it, which would change this node's id");
            }
            int read = 0;
            while (read < SeedLength)
            {
                int n = RandomAccess.Read(handle, seed[read..], read);
                if (n == 0)
                {
                    throw new IdentityException($"identity key file {path} ended after {read} of {SeedLength} bytes");
                }
                read += n;
            }
            return FromSeed(seed, path, false, CheckPermissions(path));
        }
        catch (UnauthorizedAccessException)
        {
            throw FileAccessException.CannotRead(path, "identity key file", OwnFix(path));
        }
        catch (IOException ex)
        {
            throw new IdentityException($"identity key file {path} cannot be read: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    // Writes a fresh seed to a temp file created 0600 (never a moment world-readable), flushes it to disk,
    // then links it into place without overwriting: two nodes starting at once cannot both create a key.
    // Returns null when someone else's key file appeared first.
    private static NodeIdentity? TryCreate(string path)
    {
        string directory = Path.GetDirectoryName(path) ?? ".";
        string temp = Path.Combine(directory, $".{KeyFileName}.{Guid.NewGuid():N}.tmp");
        Span<byte> seed = stackalloc byte[SeedLength];
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, OwnerOnlyDirectory);
                // Created by `sudo innerwarden mesh identity` before the first start: the service must own it.
                ServiceAccount.NewDataFile(directory, OwnerOnlyDirectory).ApplyTo(directory, directory);
            }
            RandomNumberGenerator.Fill(seed);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }
            using (var stream = OpenNew(temp, path, directory, options))
            {
                stream.Write(seed);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
            {
                // The service's key whoever creates it (root before the first start): still 0600, owned by the service.
                ServiceAccount.NewDataFile(directory, OwnerOnlyFile).ApplyTo(temp, path);
            }
            if (!TryPublish(temp, path))
            {
                return null;
            }
            return FromSeed(seed, path, true, null);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new IdentityException($"identity key file {path} cannot be created: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            TryDelete(temp);
        }
    }

    private static FileStream OpenNew(string temp, string path, string directory, FileStreamOptions options)
    {
        try
        {
            return new FileStream(temp, options);
        }
        catch (UnauthorizedAccessException)
        {
            throw FileAccessException.CannotCreateIn(path, directory);
        }
    }

    // The key belongs to whoever runs the node; the fix for a key this process cannot read makes it ours.
    private static string? OwnFix(string path) => OperatingSystem.IsLinux()
        ? $"sudo chown {NativeFiles.UserName(NativeFiles.EffectiveUserId)}:{NativeFiles.GroupName(NativeFiles.EffectiveGroupId)} {path}"
        : null;

    // Puts the finished temp file in place only if no key file exists yet, atomically. File.Move(overwrite: false)
    // checks for the destination and then renames, so two starts racing both "win" and the last rename changes the
    // node's id under the first; link(2) fails with EEXIST instead. The temp file is removed by the caller.
    private static bool TryPublish(string temp, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(temp, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        if (NativeLink.Link(temp, path) == 0)
        {
            return true;
        }
        int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == NativeLink.AlreadyExists)
        {
            return false;
        }
        throw new IOException($"link({temp}, {path}) failed with errno {errno}");
    }

    private static string? CheckPermissions(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) == 0)
        {
            return null;
        }
        return $"identity key file {path} is accessible by group or others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); anyone who reads it can sign as this node: chmod 600 {path}";
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: after a successful move there is nothing to delete; a leftover is 0600 and never read.
        }
    }
}

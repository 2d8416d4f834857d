using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Tests.Signals;
using NSec.Cryptography;

namespace InnerWarden.Mesh.Host.Tests.Identity;

public sealed class NodeIdentityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iw-identity-" + Guid.NewGuid().ToString("N"));

    private string KeyPath => Path.Combine(_dir, NodeIdentity.KeyFileName);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void The_vector_seed_gives_the_protocol_node_id()
    {
        using var identity = NodeIdentity.FromSeed(ProtocolVectors.Seed);

        Assert.Equal(ProtocolVectors.NodeId, identity.NodeId);
        Assert.Equal(Convert.FromHexString(ProtocolVectors.NodeId), identity.PublicKey);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(64)]
    public void A_seed_of_the_wrong_length_is_refused(int length) =>
        Assert.Throws<ArgumentException>(() => NodeIdentity.FromSeed(new byte[length]));

    [Fact]
    public void A_signature_is_64_bytes_of_padded_base64_that_verifies_with_the_public_key()
    {
        using var identity = NodeIdentity.FromSeed(ProtocolVectors.Seed);
        byte[] data = "hello"u8.ToArray();

        string signature = identity.Sign(data);

        var bytes = Convert.FromBase64String(signature);
        Assert.Equal(64, bytes.Length);
        Assert.EndsWith("==", signature, StringComparison.Ordinal);
        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, identity.PublicKey, KeyBlobFormat.RawPublicKey);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(key, data, bytes));
    }

    [Fact]
    public void First_start_creates_the_directory_and_a_32_byte_key_file()
    {
        using var identity = NodeIdentity.LoadOrCreate(_dir);

        Assert.True(identity.WasCreated);
        Assert.Equal(Path.GetFullPath(KeyPath), identity.KeyFilePath);
        Assert.Equal(32, new FileInfo(KeyPath).Length);
        Assert.Null(identity.PermissionWarning);
        Assert.Matches("^[0-9a-f]{64}$", identity.NodeId);
        Assert.Single(Directory.GetFiles(_dir));
    }

    [SkippableFact]
    public void The_key_file_is_created_readable_by_its_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("Unix file modes do not exist on Windows");
        }
        using var identity = NodeIdentity.LoadOrCreate(_dir);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
    }

    [Fact]
    public void Reloading_gives_the_same_id_and_does_not_rewrite_the_file()
    {
        string firstId;
        using (var first = NodeIdentity.LoadOrCreate(_dir))
        {
            firstId = first.NodeId;
        }
        var before = File.ReadAllBytes(KeyPath);

        using var second = NodeIdentity.LoadOrCreate(_dir);

        Assert.False(second.WasCreated);
        Assert.Equal(firstId, second.NodeId);
        Assert.Equal(before, File.ReadAllBytes(KeyPath));
    }

    [Fact]
    public void A_key_file_written_by_the_original_keeps_its_node_id()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(KeyPath, ProtocolVectors.Seed);

        using var identity = NodeIdentity.LoadOrCreate(_dir);

        Assert.Equal(ProtocolVectors.NodeId, identity.NodeId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void A_key_file_of_the_wrong_size_is_an_error_naming_the_path_and_is_not_replaced(int size)
    {
        Directory.CreateDirectory(_dir);
        var content = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(KeyPath, content);

        var ex = Assert.Throws<IdentityException>(() => NodeIdentity.LoadOrCreate(_dir));

        Assert.Contains(Path.GetFullPath(KeyPath), ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{size} bytes, expected 32", ex.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllBytes(KeyPath));
    }

    [Fact]
    public void A_key_file_that_is_a_directory_is_an_error_naming_the_path()
    {
        Directory.CreateDirectory(KeyPath);

        var ex = Assert.Throws<IdentityException>(() => NodeIdentity.LoadOrCreate(_dir));

        Assert.Contains(Path.GetFullPath(KeyPath), ex.Message, StringComparison.Ordinal);
        Assert.Contains("is a directory", ex.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(KeyPath));
    }

    [SkippableFact]
    public void A_world_readable_key_file_loads_with_a_warning()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("Unix file modes do not exist on Windows");
        }
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(KeyPath, ProtocolVectors.Seed);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var identity = NodeIdentity.LoadOrCreate(_dir);

        Assert.Equal(ProtocolVectors.NodeId, identity.NodeId);
        Assert.NotNull(identity.PermissionWarning);
        Assert.Contains("0644", identity.PermissionWarning, StringComparison.Ordinal);
        Assert.Contains("chmod 600", identity.PermissionWarning, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_nodes_starting_at_once_end_with_one_key()
    {
        // Many rounds: the race it guards against (check-then-rename) only shows now and then.
        for (var round = 0; round < 25; round++)
        {
            var dir = Path.Combine(_dir, "round-" + round);
            var ids = new string[8];
            Parallel.For(0, ids.Length, i =>
            {
                using var identity = NodeIdentity.LoadOrCreate(dir);
                ids[i] = identity.NodeId;
            });

            Assert.Single(ids.Distinct());
            Assert.Single(Directory.GetFiles(dir));
        }
    }
}

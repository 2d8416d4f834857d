using System.Text.Json;
using InnerWarden.Mesh.Host.Cli;
using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.Host.Tests.Cli;

public sealed class IdentityCommandHandlerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iw-idcli-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void First_run_creates_the_identity_and_says_so()
    {
        int exit = IdentityCommandHandler.Run(_dir, json: false, _out, _err);

        Assert.Equal(0, exit);
        string report = _out.ToString();
        Assert.Matches("node_id:  [0-9a-f]{64}", report);
        Assert.Contains("key_file: " + Path.Combine(_dir, NodeIdentity.KeyFileName), report, StringComparison.Ordinal);
        Assert.Contains("created:  yes", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_shows_the_same_id_and_not_created_on_the_second_run()
    {
        IdentityCommandHandler.Run(_dir, json: false, _out, _err);
        using var identity = NodeIdentity.LoadOrCreate(_dir);
        var second = new StringWriter();

        int exit = IdentityCommandHandler.Run(_dir, json: true, second, _err);

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(second.ToString());
        Assert.Equal(identity.NodeId, doc.RootElement.GetProperty("node_id").GetString());
        Assert.Equal(identity.KeyFilePath, doc.RootElement.GetProperty("key_file").GetString());
        Assert.False(doc.RootElement.GetProperty("created").GetBoolean());
    }

    [Fact]
    public void A_broken_key_file_exits_1_with_the_reason()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(Path.Combine(_dir, NodeIdentity.KeyFileName), new byte[5]);

        int exit = IdentityCommandHandler.Run(_dir, json: false, _out, _err);

        Assert.Equal(1, exit);
        Assert.Contains("is 5 bytes, expected 32", _err.ToString(), StringComparison.Ordinal);
        Assert.Empty(_out.ToString());
    }
}

using InnerWarden.Mesh.Host.Ownership;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Tests.Config;

public sealed class MeshConfigWriterTests : IDisposable
{
    private const string Original = """
        # operator's notes
        bind: "127.0.0.1:9000"
        poll_secs: 12
        peers:
          - endpoint: https://a.example:8790
            label: alpha
        allowlist: [10.0.0.0/8]
        plugins:
          enforcer: nftables
          detectors: [sshd]
        plugin_settings:
          sshd: {log_path: /var/log/secure}
        """;

    private readonly TempConfig _temp = new();

    public void Dispose() => _temp.Dispose();

    private string[] LeftoverTempFiles() =>
        Directory.GetFiles(Path.GetDirectoryName(_temp.Path)!).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)).ToArray();

    [Fact]
    public void Enable_creates_the_file_and_its_folder()
    {
        Assert.True(MeshConfigWriter.SetEnabled(_temp.Path, true));

        Assert.True(MeshConfigLoader.Load(_temp.Path).Enabled);
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void Enable_keeps_every_other_key_and_value()
    {
        _temp.Write(Original);
        var before = MeshConfigLoader.Load(_temp.Path);

        Assert.True(MeshConfigWriter.SetEnabled(_temp.Path, true));

        var after = MeshConfigLoader.Load(_temp.Path);
        Assert.Equal(before with { Enabled = true, PluginSettings = after.PluginSettings, Peers = after.Peers, Allowlist = after.Allowlist, Plugins = after.Plugins }, after);
        Assert.Equal(before.Peers, after.Peers);
        Assert.Equal(before.Allowlist, after.Allowlist);
        Assert.Equal(before.Plugins.Detectors, after.Plugins.Detectors);
        Assert.Equal(before.Plugins with { Detectors = after.Plugins.Detectors }, after.Plugins);
        Assert.Equal("/var/log/secure", after.SettingsFor("sshd")["log_path"]);
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void Enable_twice_changes_nothing_the_second_time()
    {
        _temp.Write("enabled: true\n# keep me\n");
        var written = File.GetLastWriteTimeUtc(_temp.Path);

        Assert.False(MeshConfigWriter.SetEnabled(_temp.Path, true));
        Assert.Equal("enabled: true\n# keep me\n", _temp.Read());
        Assert.Equal(written, File.GetLastWriteTimeUtc(_temp.Path));
    }

    [Fact]
    public void Disable_sets_enabled_false_in_place()
    {
        _temp.Write("bind: 0.0.0.0:1\nenabled: true\npoll_secs: 7\n");

        Assert.True(MeshConfigWriter.SetEnabled(_temp.Path, false));

        Assert.Equal("bind: 0.0.0.0:1\nenabled: false\npoll_secs: 7\n", _temp.Read());
    }

    [Fact]
    public void Broken_config_is_refused_and_left_untouched()
    {
        _temp.Write("enabled: true\npoll_secs: soon\n");

        var e = Assert.Throws<ConfigException>(() => MeshConfigWriter.SetEnabled(_temp.Path, false));

        Assert.Equal("poll_secs", e.Key);
        Assert.Equal("enabled: true\npoll_secs: soon\n", _temp.Read());
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void Failed_write_leaves_the_original_and_no_temp_file()
    {
        _temp.Write("enabled: false\n");
        // A directory where the rename target's temp sibling would go cannot be replaced by a file rename.
        var target = Path.Combine(Path.GetDirectoryName(_temp.Path)!, "is-a-directory.yaml");
        Directory.CreateDirectory(target);

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(target, "enabled: true\n", () => ServiceAccount.NewConfigFile(target)));

        Assert.True(Directory.Exists(target));
        Assert.Empty(LeftoverTempFiles());
        Assert.Equal("enabled: false\n", _temp.Read());
    }

    [Fact]
    public void Edit_that_would_produce_a_bad_config_is_not_written()
    {
        _temp.Write(Original);

        Assert.Throws<ConfigException>(() => MeshConfigWriter.AddPeer(_temp.Path, new PeerInfo(new Uri("ftp://x.example"), null, null)));

        Assert.Equal(Original, _temp.Read());
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void Add_peer_appends_and_refuses_a_duplicate_endpoint()
    {
        _temp.Write(Original);

        var added = MeshConfigWriter.AddPeer(_temp.Path, new PeerInfo(new Uri("http://b.example:8790"), new string('c', 64), "beta"));
        var duplicate = MeshConfigWriter.AddPeer(_temp.Path, new PeerInfo(new Uri("https://A.EXAMPLE:8790/"), null, null));

        Assert.Null(added);
        Assert.NotNull(duplicate);
        Assert.Equal("alpha", duplicate.Label);
        var peers = MeshConfigLoader.Load(_temp.Path).Peers;
        Assert.Equal(2, peers.Count);
        Assert.Equal(new PeerInfo(new Uri("http://b.example:8790"), new string('c', 64), "beta"), peers[1]);
        Assert.Equal(12, MeshConfigLoader.Load(_temp.Path).PollSecs);
    }

    [Fact]
    public void Remove_peer_by_url_or_by_node_id()
    {
        _temp.Write(Original);
        MeshConfigWriter.AddPeer(_temp.Path, new PeerInfo(new Uri("http://b.example:8790"), new string('c', 64), "beta"));

        var byUrl = MeshConfigWriter.RemovePeer(_temp.Path, "https://a.example:8790/");
        var byId = MeshConfigWriter.RemovePeer(_temp.Path, new string('C', 64));
        var none = MeshConfigWriter.RemovePeer(_temp.Path, "https://nobody.example");

        Assert.Equal("alpha", Assert.Single(byUrl).Label);
        Assert.Equal("beta", Assert.Single(byId).Label);
        Assert.Empty(none);
        var config = MeshConfigLoader.Load(_temp.Path);
        Assert.Empty(config.Peers);
        Assert.Equal(["10.0.0.0/8"], config.Allowlist);
    }
}

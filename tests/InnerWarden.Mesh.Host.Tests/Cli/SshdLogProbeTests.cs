using InnerWarden.Mesh.Host.Cli;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Tests.Config;

namespace InnerWarden.Mesh.Host.Tests.Cli;

/// <summary>`mesh enable` selects the sshd detector on a host that has what it reads, and leaves an operator's choice alone.</summary>
public sealed class SshdLogProbeTests : IDisposable
{
    private readonly TempConfig _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("/var/log/auth.log", false, "/var/log/auth.log")]
    [InlineData("/var/log/secure", false, "/var/log/secure")]
    [InlineData(null, true, "the systemd journal (/run/systemd/journal)")]
    [InlineData(null, false, null)]
    public void Finds_an_auth_log_first_then_the_journal(string? log, bool journal, string? expected)
    {
        var found = SshdLogProbe.Find(path => path == log, path => journal && path == SshdLogProbe.JournalDirectory);

        Assert.Equal(expected, found);
    }

    [Fact]
    public void Selecting_detectors_fills_an_empty_list_and_keeps_the_rest_of_the_file()
    {
        _temp.Write("enabled: true\nplugins:\n  enforcer: log-only\n  detectors: []\n");

        Assert.True(MeshConfigWriter.SelectDetectorsIfNone(_temp.Path, ["sshd"]));

        var config = MeshConfigLoader.Load(_temp.Path);
        Assert.Equal(["sshd"], config.Plugins.Detectors);
        Assert.Equal("log-only", config.Plugins.Enforcer);
        Assert.True(config.Enabled);
    }

    [Fact]
    public void Selecting_detectors_never_replaces_the_operators_own_choice()
    {
        _temp.Write("plugins:\n  detectors: [local-report]\n");

        Assert.False(MeshConfigWriter.SelectDetectorsIfNone(_temp.Path, ["sshd"]));

        Assert.Equal(["local-report"], MeshConfigLoader.Load(_temp.Path).Plugins.Detectors);
    }
}

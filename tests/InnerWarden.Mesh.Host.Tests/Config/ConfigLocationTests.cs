using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Tests.Config;

public sealed class ConfigLocationTests
{
    private static Func<string, string?> Env(string? config = null, string? dataDir = null) => name => name switch
    {
        ConfigLocation.ConfigVariable => config,
        ConfigLocation.DataDirectoryVariable => dataDir,
        _ => null,
    };

    [Fact]
    public void Defaults_apply_when_nothing_is_set()
    {
        var location = ConfigLocation.Resolve(null, null, Env());

        Assert.Equal("/etc/innerwarden/mesh.yaml", location.ConfigPath);
        Assert.Equal("/var/lib/innerwarden", location.DataDirectoryFor(MeshConfig.Default));
    }

    [Fact]
    public void Environment_overrides_defaults_and_the_config_key()
    {
        var location = ConfigLocation.Resolve(null, null, Env("/env/mesh.yaml", "/env/data"));

        Assert.Equal("/env/mesh.yaml", location.ConfigPath);
        Assert.Equal("/env/data", location.DataDirectoryFor(MeshConfig.Default with { DataDirectory = "/file/data" }));
    }

    [Fact]
    public void Flags_override_the_environment()
    {
        var location = ConfigLocation.Resolve("/flag/mesh.yaml", "/flag/data", Env("/env/mesh.yaml", "/env/data"));

        Assert.Equal("/flag/mesh.yaml", location.ConfigPath);
        Assert.Equal("/flag/data", location.DataDirectoryFor(MeshConfig.Default));
    }

    [Fact]
    public void Config_data_dir_key_applies_when_no_flag_or_variable_is_set()
    {
        var location = ConfigLocation.Resolve(null, "  ", Env(dataDir: ""));

        Assert.Equal("/file/data", location.DataDirectoryFor(MeshConfig.Default with { DataDirectory = "/file/data" }));
    }
}

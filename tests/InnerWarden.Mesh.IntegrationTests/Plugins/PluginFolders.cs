using InnerWarden.Mesh.Host.Cli;

namespace InnerWarden.Mesh.IntegrationTests.Plugins;

/// <summary>Where the real built plugins are, and temp plugin directories assembled from them.</summary>
internal static class PluginFolders
{
    /// <summary>The host's shipped plugins: <c>plugins/</c> beside the built <c>innerwarden.dll</c>, else in the host's own build output.</summary>
    public static string HostPlugins()
    {
        var hostDir = Path.GetDirectoryName(typeof(MeshCli).Assembly.Location)!;
        var beside = Path.Combine(hostDir, "plugins");
        if (Directory.Exists(beside))
        {
            return beside;
        }
        // .../tests/InnerWarden.Mesh.IntegrationTests/bin/<Configuration>/net10.0/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var repo = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var built = Path.Combine(repo, "host", "InnerWarden.Mesh.Host", "bin", configuration, output.Name, "plugins");
        Assert.True(Directory.Exists(built), $"the host's plugins are not built at {built} (build host/InnerWarden.Mesh.Host)");
        return built;
    }

    /// <summary>The test-only fixture plugin folder published into this test's output.</summary>
    public static string Fixture(string name = "InnerWarden.Mesh.Fixtures.IsolationProbe")
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixture-plugins", name);
        Assert.True(Directory.Exists(path), $"fixture plugin not built at {path}");
        return path;
    }

    /// <summary>Copies a plugin folder into <paramref name="pluginDirectory"/>, optionally under another folder (and dll) name.</summary>
    public static string CopyInto(string pluginDirectory, string source, string? asName = null)
    {
        var sourceName = Path.GetFileName(source);
        var name = asName ?? sourceName;
        var target = Path.Combine(pluginDirectory, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (asName is not null && relative == sourceName + ".dll")
            {
                relative = name + ".dll";
            }
            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }
}

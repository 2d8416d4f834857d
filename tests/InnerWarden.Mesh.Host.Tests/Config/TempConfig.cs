namespace InnerWarden.Mesh.Host.Tests.Config;

/// <summary>A temp folder with a config path inside it, removed when the test ends.</summary>
internal sealed class TempConfig : IDisposable
{
    public TempConfig()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "iw-config-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "etc", "mesh.yaml");
    }

    public string Directory { get; }

    public string Path { get; }

    public string Write(string yaml)
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        File.WriteAllText(Path, yaml);
        return Path;
    }

    public string Read() => File.ReadAllText(Path);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

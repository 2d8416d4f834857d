using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Persistence;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>What the read-only CLI commands share: the state file and the node id, read without changing anything.</summary>
internal static class CliStateReader
{
    /// <summary>The identity file the agent creates (the original's name and format: the 32-byte seed).</summary>
    public const string IdentityFileName = "mesh-identity.key";

    /// <summary>Reads the state; writes the reason to <paramref name="stderr"/> and returns null when it is unreadable.</summary>
    public static MeshState? Read(string dataDirectory, TextWriter stderr)
    {
        var read = MeshStateStore.TryRead(Path.Combine(dataDirectory, MeshStateStore.FileName));
        if (read.State is null)
        {
            stderr.WriteLine($"innerwarden: {read.Error}");
        }
        return read.State;
    }

    /// <summary>The node id from the key file, or null when there is none (or it is unreadable: status must not fail on it).</summary>
    public static string? ReadNodeId(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, IdentityFileName);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }
            var seed = File.ReadAllBytes(path);
            if (seed.Length != 32)
            {
                return null;
            }
            using var identity = NodeIdentity.FromSeed(seed);
            return identity.NodeId;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A duration as operators read it: <c>23h 59m</c>, <c>42m 10s</c>, <c>expired</c>.</summary>
    public static string Humanize(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            return "expired";
        }
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:D2}m" : $"{span.Minutes}m {span.Seconds:D2}s";
    }
}

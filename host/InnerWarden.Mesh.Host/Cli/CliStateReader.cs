using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Persistence;
using Microsoft.Data.Sqlite;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>What the read-only CLI commands share: the state database and the node id, read without changing anything.</summary>
internal static class CliStateReader
{
    /// <summary>The identity file the agent creates (the original's name and format: the 32-byte seed).</summary>
    public const string IdentityFileName = "mesh-identity.key";

    /// <summary>
    /// Reads the agent's database read-only (live: every committed change, no waiting for the agent); writes the
    /// reason to <paramref name="stderr"/> and returns null when it cannot be read. A data directory without a
    /// database (the agent never ran) is the empty state; one this user may not read is an error naming the path.
    /// </summary>
    public static MeshState? Read(string dataDirectory, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var path = Path.Combine(dataDirectory, StateDatabase.FileName);
        try
        {
            // Opening the file first tells "absent" from "not allowed" (SQLite reports both as "unable to open").
            File.OpenHandle(path, FileMode.Open, FileAccess.Read).Dispose();
        }
        catch (UnauthorizedAccessException)
        {
            return Refuse(stderr, path, "permission denied (run it as root, or as a member of the agent's group)");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Absent(dataDirectory, stderr);
        }
        catch (IOException ex)
        {
            return Refuse(stderr, path, ex.Message);
        }
        try
        {
            using var connection = StateDatabase.OpenReadOnly(path);
            if (StateSchema.ReadVersion(connection) is var version && version != StateSchema.CurrentVersion)
            {
                return Refuse(stderr, path, version == 0
                    ? "holds no schema yet (the agent is creating it)"
                    : $"schema version {version}, this build reads {StateSchema.CurrentVersion}");
            }
            return StateDatabase.ReadState(connection);
        }
        catch (SqliteException ex)
        {
            return Refuse(stderr, path, ex.SqliteErrorCode == 14 ? $"{ex.Message} (can this user write the -shm/-wal files beside it?)" : ex.Message);
        }
    }

    private static MeshState? Absent(string dataDirectory, TextWriter stderr)
    {
        if (!Directory.Exists(dataDirectory))
        {
            return MeshState.Empty;
        }
        try
        {
            // Not found, but is that only because this user cannot look inside the directory?
            using var entries = Directory.EnumerateFileSystemEntries(dataDirectory).GetEnumerator();
            entries.MoveNext();
            return MeshState.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return Refuse(stderr, dataDirectory, "permission denied (run it as root, or as a member of the agent's group)");
        }
    }

    private static MeshState? Refuse(TextWriter stderr, string path, string reason)
    {
        stderr.WriteLine($"innerwarden: cannot read {path}: {reason}");
        return null;
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

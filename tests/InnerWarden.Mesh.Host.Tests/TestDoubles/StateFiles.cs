using System.Text.Json;
using InnerWarden.Mesh.Host.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>Reads and prepares a data directory's <c>mesh.db</c> as the agent writes it.</summary>
internal static class StateFiles
{
    /// <summary>What the database holds now, read through a read-only connection as the CLI does.</summary>
    public static MeshState Read(string dataDirectory)
    {
        using var connection = StateDatabase.OpenReadOnly(Path.Combine(dataDirectory, StateDatabase.FileName));
        return StateDatabase.ReadState(connection);
    }

    /// <summary>The replay record's rows inside their window at <paramref name="now"/>, per partition, as the next start reads them.</summary>
    public static (int Known, int Unknown) SeenRows(string dataDirectory, DateTimeOffset now)
    {
        using var connection = StateDatabase.OpenReadOnly(Path.Combine(dataDirectory, StateDatabase.FileName));
        var seen = StateDatabase.ReadSeen(connection, now);
        int known = seen.Count(s => s.Known);
        return (known, seen.Count - known);
    }

    /// <summary>A database holding <paramref name="state"/>: written as a legacy file and imported by a real store.</summary>
    public static async Task WriteAsync(string dataDirectory, MeshState state, TimeProvider? time = null)
    {
        Directory.CreateDirectory(dataDirectory);
        await File.WriteAllBytesAsync(Path.Combine(dataDirectory, LegacyStateFile.FileName),
            JsonSerializer.SerializeToUtf8Bytes(state, MeshStateJsonContext.Default.MeshState));
        await using var store = new StateStore(dataDirectory, time ?? TimeProvider.System, NullLogger.Instance);
        store.Open(state.NodeId ?? new string('0', 64), state.Enforcer ?? "recording");
        File.Delete(Path.Combine(dataDirectory, LegacyStateFile.FileName + LegacyStateFile.ImportedSuffix));
    }
}

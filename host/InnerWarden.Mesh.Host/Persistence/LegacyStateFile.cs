using System.Text.Json;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// The JSON state file of releases before <c>mesh.db</c> (<c>&lt;data_dir&gt;/mesh-state.json</c>, format version 1).
/// Read once, at the first start with the database, to import it; nothing writes it any more.
/// </summary>
internal static class LegacyStateFile
{
    public const string FileName = "mesh-state.json";

    /// <summary>What an imported file is renamed to, so it is neither imported twice nor lost.</summary>
    public const string ImportedSuffix = ".imported";

    /// <summary>Reads a state file without touching it: its content, or why it cannot be read.</summary>
    public static StateReadResult TryRead(string path)
    {
        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllBytes(path), MeshStateJsonContext.Default.MeshState);
            if (state is null)
            {
                return new StateReadResult(null, $"{path}: the file holds no state object");
            }
            if (state.Version != MeshState.CurrentVersion)
            {
                return new StateReadResult(null, $"{path}: unsupported format version {state.Version} (this build reads {MeshState.CurrentVersion})");
            }
            // Lists absent from the file deserialize as null; treat them as empty.
            return new StateReadResult(state with
            {
                Peers = state.Peers ?? [],
                Reputations = state.Reputations ?? [],
                Staged = state.Staged ?? [],
                Remembered = state.Remembered ?? [],
            }, null);
        }
        catch (JsonException ex)
        {
            return new StateReadResult(null, $"{path}: not valid state JSON: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new StateReadResult(null, $"{path}: cannot be read: {ex.Message}");
        }
    }
}

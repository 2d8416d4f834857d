using InnerWarden.Mesh.Host.Persistence;

namespace InnerWarden.Mesh.IntegrationTests.Persistence;

/// <summary>A signer's reputation as an agent committed it, read from its database read-only (as the CLI reads it).</summary>
internal static class StoredReputation
{
    public static (double Trust, long SignalsReceived, long Confirmed, DateTimeOffset? QuarantinedUntil) Read(string dataDir, string nodeId)
    {
        using var connection = StateDatabase.OpenReadOnly(Path.Combine(dataDir, StateDatabase.FileName));
        var rep = StateDatabase.ReadState(connection).Reputations.Single(r => r.NodeId == nodeId);
        return (rep.Trust, rep.SignalsReceived, rep.Confirmed, rep.QuarantinedUntil);
    }
}

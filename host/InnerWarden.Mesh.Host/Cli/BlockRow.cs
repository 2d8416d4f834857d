namespace InnerWarden.Mesh.Host.Cli;

/// <summary>One row of <c>mesh blocks</c> (see <see cref="BlocksCommandHandler"/> for the field list).</summary>
internal sealed record BlockRow(
    string Ip,
    string Action,
    double Score,
    string Detector,
    DateTimeOffset StagedAt,
    DateTimeOffset ExpiresAt,
    long ExpiresInSecs,
    IReadOnlyList<string> ContributingPeers,
    bool Confirmed,
    bool Local);

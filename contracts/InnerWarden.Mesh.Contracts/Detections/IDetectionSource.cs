namespace InnerWarden.Mesh.Contracts.Detections;

/// <summary>A source of local detections (a log follower, an incident feed, a local report socket).</summary>
public interface IDetectionSource
{
    /// <summary>The source's name for logs, e.g. <c>sshd</c>.</summary>
    string Name { get; }

    /// <summary>Detections as they happen, until cancelled. A bad input line is logged and skipped, never thrown.</summary>
    IAsyncEnumerable<Detection> ReadAsync(CancellationToken cancellationToken);
}

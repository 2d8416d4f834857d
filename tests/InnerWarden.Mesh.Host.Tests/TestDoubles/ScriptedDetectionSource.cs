using System.Net;
using System.Runtime.CompilerServices;
using InnerWarden.Mesh.Contracts.Detections;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>A detector that fails on its first run and yields one detection on its second.</summary>
internal sealed class ScriptedDetectionSource(string ip) : IDetectionSource
{
    private int _runs;

    public string Name => "scripted";

    public TaskCompletionSource FirstRunFailed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async IAsyncEnumerable<Detection> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _runs) == 1)
        {
            FirstRunFailed.TrySetResult();
            throw new IOException("journal went away");
        }
        yield return new Detection(IPAddress.Parse(ip), "ssh_bruteforce", 0.9f, "evidence", DateTimeOffset.UnixEpoch);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

using System.Collections.Concurrent;

namespace InnerWarden.Mesh.Enforcers.Nftables.Native;

/// <summary>
/// One thread that owns a native resource and runs every call on it, in order. libnftables contexts are not
/// thread-safe and a network namespace entered with setns belongs to one thread, so both live here; callers await
/// the result and can stop waiting (timeout, cancellation) without the native call being interrupted.
/// </summary>
internal sealed class OwnerThread : IDisposable
{
#pragma warning disable CA2213 // Disposed by the thread itself once it has run what was queued before Dispose (Loop).
    private readonly BlockingCollection<Action> _work = new();
#pragma warning restore CA2213

    public OwnerThread(string name)
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Queues <paramref name="work"/> behind what is already queued.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                completion.SetResult(work());
            }
#pragma warning disable CA1031 // Whatever the work throws belongs to its caller, on the caller's side of the await.
            catch (Exception e)
#pragma warning restore CA1031
            {
                completion.SetException(e);
            }
        });
        return completion.Task;
    }

    private void Loop()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }
        _work.Dispose();
    }

    /// <summary>Lets the thread finish what is queued and end.</summary>
    public void Dispose() => _work.CompleteAdding();
}

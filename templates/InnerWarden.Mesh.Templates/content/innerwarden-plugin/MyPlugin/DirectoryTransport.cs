using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;

namespace MyPlugin;

/// <summary>
/// Carries signals through a shared directory (<c>directory</c>, default <c>&lt;data_dir&gt;/myplugin</c>): a
/// broadcast writes each signal as JSON into <c>outbox/</c>; every <c>*.json</c> file that appears in
/// <c>inbox/</c> is handed to the host's pipeline, which validates and verifies it, then deleted. A sketch of
/// the contract (a sync tool or a shared mount moves the files); a real transport talks to peers, retries
/// undelivered signals while their TTL lasts, and reports each peer's link in <see cref="GetPeerLinks"/>.
/// </summary>
internal sealed class DirectoryTransport(string directory) : IMeshTransport, IAsyncDisposable
{
    private readonly string _inbox = Path.Combine(directory, "inbox");
    private readonly string _outbox = Path.Combine(directory, "outbox");
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public Uri? ListenAddress { get; private set; }

    public Task StartAsync(ISignalSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Directory.CreateDirectory(_inbox);
        Directory.CreateDirectory(_outbox);
        ListenAddress = new Uri(Path.GetFullPath(_inbox));
        _stop = new CancellationTokenSource();
        _loop = ServeAsync(sink, _stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null || _loop is null)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    public async Task BroadcastAsync(ThreatSignal signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        // Written under a temporary name and renamed, so a reader never sees half a signal.
        var name = $"{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{Guid.NewGuid():N}";
        var temp = Path.Combine(_outbox, name + ".tmp");
        await File.WriteAllBytesAsync(temp, ThreatSignalJson.ToUtf8Bytes(signal), cancellationToken).ConfigureAwait(false);
        File.Move(temp, Path.Combine(_outbox, name + ".json"));
    }

    public Task<PeerPingReply?> PingAsync(Uri endpoint, CancellationToken cancellationToken) => Task.FromResult<PeerPingReply?>(null);

    public IReadOnlyList<PeerLinkStatus> GetPeerLinks() => [];

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stop?.Dispose();
    }

    private async Task ServeAsync(ISignalSink sink, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            do
            {
                foreach (var file in Directory.GetFiles(_inbox, "*.json").Order(StringComparer.Ordinal))
                {
                    var parsed = ThreatSignalJson.Parse(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
                    if (parsed.Signal is { } signal)
                    {
                        await sink.SubmitAsync(signal, new SignalOrigin(file, "json"), cancellationToken).ConfigureAwait(false);
                    }
                    File.Delete(file);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopped
        }
    }
}

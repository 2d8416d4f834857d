using System.Net;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;

namespace MyPlugin;

/// <summary>
/// One band: a score at or above <c>block_at</c> (default 0.5) is a short block for <c>ttl_secs</c> (default 1 h),
/// anything lower is discarded; a local confirmation makes it the full block. Holds state only: the host applies
/// what changes to the firewall and to trust, and persists the pool through <see cref="Restore"/>.
/// </summary>
internal sealed class SingleBandStagingPool(double blockAt, TimeSpan ttl) : IStagingPool
{
    private readonly Dictionary<IPAddress, StagedEntry> _entries = [];
    private readonly Lock _lock = new();

    public StageResult Stage(StageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            _entries.TryGetValue(request.Ip, out var previous);
            if (request.Score < blockAt)
            {
                return new StageResult(SignalAction.Discarded, previous, previous, null);
            }
            var contributors = previous?.Contributors.Union([request.Contributor]).ToArray() ?? [request.Contributor];
            var current = new StagedEntry(
                request.Ip,
                previous?.Action ?? SignalAction.BlockedShortTtl,
                Math.Max(previous?.Score ?? 0, request.Score),
                request.Detector,
                previous?.StagedAt ?? request.Now,
                request.Now + ttl > (previous?.ExpiresAt ?? DateTimeOffset.MinValue) ? request.Now + ttl : previous!.ExpiresAt,
                contributors,
                previous?.Confirmed ?? false,
                (previous?.Local ?? false) || request.Local);
            _entries[request.Ip] = current;
            return new StageResult(current.Action, previous, current, null);
        }
    }

    public ConfirmResult Confirm(IPAddress ip, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(ip, out var previous))
            {
                return new ConfirmResult(null, null, []);
            }
            var current = previous with { Action = SignalAction.BlockedFull, Confirmed = true, ExpiresAt = now + ttl };
            _entries[ip] = current;
            // Contributors are credited once, on the first confirmation.
            return new ConfirmResult(previous, current, previous.Confirmed ? [] : previous.Contributors);
        }
    }

    public IReadOnlyList<StagedEntry> Expire(DateTimeOffset now)
    {
        lock (_lock)
        {
            var expired = _entries.Values.Where(e => e.ExpiresAt <= now).ToList();
            foreach (var entry in expired)
            {
                _entries.Remove(entry.Ip);
            }
            return expired;
        }
    }

    public StagedEntry? Find(IPAddress ip)
    {
        lock (_lock)
        {
            return _entries.GetValueOrDefault(ip);
        }
    }

    public IReadOnlyList<StagedEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Values];
            }
        }
    }

    // This pool does not remember discarded signals, so a discarded sender is never credited later.
    public IReadOnlyList<RememberedSignal> Remembered => [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public void Restore(IEnumerable<StagedEntry> entries, IEnumerable<RememberedSignal> remembered)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_lock)
        {
            _entries.Clear();
            foreach (var entry in entries)
            {
                _entries[entry.Ip] = entry;
            }
        }
    }
}

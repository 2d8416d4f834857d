using System.Net;
using InnerWarden.Mesh.Host.Persistence;

namespace InnerWarden.Mesh.Host.Staging;

/// <summary>
/// Addresses whose block expired unconfirmed, each with the contributors that were debited for it, kept for a window
/// (<c>late_confirmation_hours</c>, 24 h by default). An attacker that pauses until the block is gone and then comes
/// back proves the report right after the fact: when this node detects the address itself inside the window, every
/// one of those contributors is credited back (<see cref="StagingCoordinator"/>). Bounded by <see cref="Capacity"/>
/// addresses; when full, the one that would be forgotten soonest goes. Persisted by the state store, so a restart
/// keeps the window.
/// </summary>
internal sealed class LateConfirmations(TimeSpan window, int capacity = LateConfirmations.DefaultCapacity)
{
    /// <summary>The window when the config does not set <c>late_confirmation_hours</c>.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    /// <summary>Addresses remembered at most by default: about 150 bytes each with one contributor, ~1.5 MB.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly Dictionary<IPAddress, LateConfirmation> _byIp = [];
    // Expiry order. The window is one constant, so entries arrive in the order they expire; an entry extended later
    // is queued again and its older place skipped when it comes up (its Until no longer matches).
    private readonly Queue<(IPAddress Ip, DateTimeOffset Until)> _order = new();
    private readonly Lock _gate = new();

    /// <summary>How long after the expiry a local detection still credits the contributors; zero or less turns it off.</summary>
    public TimeSpan Window => window;

    public int Capacity => capacity;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byIp.Count;
            }
        }
    }

    /// <summary>
    /// Remembers that <paramref name="contributors"/> were debited when the block of <paramref name="ip"/> expired at
    /// <paramref name="expiredAt"/>; a second expiry of the same address adds its contributors and extends the window.
    /// Returns false when nothing was remembered (window off, no contributors).
    /// </summary>
    public bool Remember(IPAddress ip, IReadOnlyCollection<string> contributors, DateTimeOffset expiredAt)
    {
        ArgumentNullException.ThrowIfNull(contributors);
        if (window <= TimeSpan.Zero || contributors.Count == 0 || capacity <= 0)
        {
            return false;
        }
        var until = expiredAt + window;
        lock (_gate)
        {
            if (_byIp.TryGetValue(ip, out var known))
            {
                string[] merged = [.. known.Contributors.Union(contributors, StringComparer.Ordinal)];
                until = until > known.Until ? until : known.Until;
                _byIp[ip] = new LateConfirmation(ip, merged, until);
            }
            else
            {
                _byIp[ip] = new LateConfirmation(ip, [.. contributors], until);
            }
            _order.Enqueue((ip, until));
            Evict(expiredAt);
            return true;
        }
    }

    /// <summary>Forgets <paramref name="ip"/> and returns the contributors to credit: none when it was not remembered or its window has ended.</summary>
    public IReadOnlyList<string> Take(IPAddress ip, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_byIp.Remove(ip, out var late))
            {
                return [];
            }
            return late.Until > now ? late.Contributors : [];
        }
    }

    /// <summary>The entry of <paramref name="ip"/> (what the state store writes), or null.</summary>
    public LateConfirmation? Find(IPAddress ip)
    {
        lock (_gate)
        {
            return _byIp.GetValueOrDefault(ip);
        }
    }

    /// <summary>Loads the persisted entries still inside their window at <paramref name="now"/> (at start).</summary>
    public void Restore(IEnumerable<LateConfirmation> entries, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_gate)
        {
            foreach (var entry in entries.Where(e => e.Until > now && e.Contributors.Count > 0).OrderBy(e => e.Until))
            {
                _byIp[entry.Ip] = entry;
                _order.Enqueue((entry.Ip, entry.Until));
            }
            Evict(now);
        }
    }

    // Under _gate: drops what has ended, then the soonest to end while over the bound.
    private void Evict(DateTimeOffset now)
    {
        while (_order.TryPeek(out var head))
        {
            bool current = _byIp.TryGetValue(head.Ip, out var entry) && entry.Until == head.Until;
            if (current && entry!.Until > now && _byIp.Count <= capacity)
            {
                return;
            }
            _order.Dequeue();
            if (current)
            {
                _byIp.Remove(head.Ip);
            }
        }
    }
}

using System.Net;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>
/// Discarded signals, kept until their TTL so that a later local detection still credits the sender.
/// Bounded: when full, the soonest-expiring one goes (a newcomer that would expire first is not kept).
/// One record per (address, sender); a repeat only extends it.
/// </summary>
internal sealed class RememberedSignals(int capacity)
{
    private readonly Dictionary<IPAddress, Dictionary<string, Node>> _byIp = [];
    private readonly SortedSet<Node> _byExpiry = new(Comparer<Node>.Create((x, y) =>
    {
        var c = x.Signal.ExpiresAt.CompareTo(y.Signal.ExpiresAt);
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    }));
    private long _sequence;

    public int Count => _byExpiry.Count;

    /// <summary>Soonest expiry first.</summary>
    public IReadOnlyList<RememberedSignal> All => _byExpiry.Select(n => n.Signal).ToList();

    public void Remember(RememberedSignal signal)
    {
        if (capacity == 0)
        {
            return;
        }
        if (_byIp.TryGetValue(signal.Ip, out var senders) && senders.TryGetValue(signal.NodeId, out var known))
        {
            if (known.Signal.ExpiresAt < signal.ExpiresAt)
            {
                // Out of the index before the sort key changes, back in after.
                _byExpiry.Remove(known);
                known.Signal = signal;
                _byExpiry.Add(known);
            }
            return;
        }
        if (_byExpiry.Count >= capacity)
        {
            var soonest = _byExpiry.Min!; // Count >= capacity > 0, so there is a minimum.
            if (soonest.Signal.ExpiresAt >= signal.ExpiresAt)
            {
                return;
            }
            Remove(soonest);
        }
        if (senders is null)
        {
            senders = new Dictionary<string, Node>(StringComparer.Ordinal);
            _byIp[signal.Ip] = senders;
        }
        var node = new Node(signal, ++_sequence);
        senders[signal.NodeId] = node;
        _byExpiry.Add(node);
    }

    /// <summary>Forgets and returns the senders remembered for an address.</summary>
    public IReadOnlyList<string> Take(IPAddress ip)
    {
        if (!_byIp.Remove(ip, out var senders))
        {
            return [];
        }
        foreach (var node in senders.Values)
        {
            _byExpiry.Remove(node);
        }
        return [.. senders.Keys];
    }

    /// <summary>Forgets every signal whose TTL ended at or before <paramref name="now"/>.</summary>
    public void Expire(DateTimeOffset now)
    {
        while (_byExpiry.Min is { } soonest && soonest.Signal.ExpiresAt <= now)
        {
            Remove(soonest);
        }
    }

    public void Clear()
    {
        _byIp.Clear();
        _byExpiry.Clear();
    }

    private void Remove(Node node)
    {
        _byExpiry.Remove(node);
        if (_byIp.TryGetValue(node.Signal.Ip, out var senders))
        {
            senders.Remove(node.Signal.NodeId);
            if (senders.Count == 0)
            {
                _byIp.Remove(node.Signal.Ip);
            }
        }
    }

    private sealed class Node(RememberedSignal signal, long sequence)
    {
        public RememberedSignal Signal { get; set; } = signal;

        public long Sequence { get; } = sequence;
    }
}

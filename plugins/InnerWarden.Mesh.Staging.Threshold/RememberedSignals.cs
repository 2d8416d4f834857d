using System.Net;
using System.Runtime.InteropServices;
using InnerWarden.Mesh.Contracts.Staging;

namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>
/// Discarded signals, kept until their TTL so that a later local detection still credits the sender.
/// Bounded: when full, the soonest-expiring one goes (a newcomer that would expire first is not kept).
/// One record per (address, sender); a repeat only extends it.
/// </summary>
/// <remarks>
/// A flood of signals for distinct addresses fills this to its bound and turns it over continuously, so an
/// entry is kept small: one index by (address, sender), the senders of one address chained through their
/// nodes from a head per address (not a dictionary per address, which cost more than the entry itself), and
/// expiry order in a <see cref="LazyMinHeap{TItem, TKey}"/>.
/// </remarks>
internal sealed class RememberedSignals(int capacity)
{
    private readonly Dictionary<(IPAddress Ip, string NodeId), Node> _byKey = [];
    private readonly Dictionary<IPAddress, Node> _firstByIp = [];
    private readonly LazyMinHeap<Node, (DateTimeOffset ExpiresAt, long Sequence)> _byExpiry = new(Comparer<(DateTimeOffset, long)>.Default);
    private long _sequence;

    public int Count => _byKey.Count;

    /// <summary>In no particular order (see <see cref="ThresholdStagingPool.Entries"/>).</summary>
    public IReadOnlyList<RememberedSignal> All => _byKey.Values.Select(n => new RememberedSignal(n.Ip, n.NodeId, n.ExpiresAt)).ToList();

    public void Remember(RememberedSignal signal) => Remember(signal.Ip, signal.NodeId, signal.ExpiresAt);

    /// <summary>Remembers that <paramref name="nodeId"/> reported <paramref name="ip"/>, until <paramref name="expiresAt"/>.</summary>
    public void Remember(IPAddress ip, string nodeId, DateTimeOffset expiresAt)
    {
        if (capacity == 0)
        {
            return;
        }
        var key = (ip, nodeId);
        // One lookup that also reserves the place: this runs for every discarded signal of a flood.
        ref var place = ref CollectionsMarshal.GetValueRefOrAddDefault(_byKey, key, out bool exists);
        if (exists)
        {
            var known = place!;
            if (known.ExpiresAt < expiresAt)
            {
                known.ExpiresAt = expiresAt;
                known.Invalidate();
                _byExpiry.Push(known, Key(known));
                Compact();
            }
            return;
        }
        Node? soonest = null;
        if (_byKey.Count > capacity && _byExpiry.TryPeek(out soonest) && soonest.ExpiresAt >= expiresAt)
        {
            // Full, and the newcomer would be the first to go: it is not kept.
            _byKey.Remove(key);
            return;
        }
        var node = new Node(ip, nodeId, expiresAt, ++_sequence);
        place = node;
        if (_firstByIp.TryGetValue(ip, out var first))
        {
            node.Next = first;
            first.Previous = node;
        }
        _firstByIp[ip] = node;
        _byExpiry.Push(node, Key(node));
        if (soonest is not null)
        {
            Remove(soonest);
        }
    }

    /// <summary>Forgets and returns the senders remembered for an address, first remembered first.</summary>
    public IReadOnlyList<string> Take(IPAddress ip)
    {
        if (!_firstByIp.Remove(ip, out var node))
        {
            return [];
        }
        var senders = new List<string>();
        for (; node is not null; node = node.Next)
        {
            senders.Add(node.NodeId);
            _byKey.Remove((ip, node.NodeId));
            node.Invalidate();
        }
        Compact();
        // The chain runs newest first.
        senders.Reverse();
        return senders;
    }

    /// <summary>Forgets every signal whose TTL ended at or before <paramref name="now"/>.</summary>
    public void Expire(DateTimeOffset now)
    {
        while (_byExpiry.TryPeek(out var soonest) && soonest.ExpiresAt <= now)
        {
            Remove(soonest);
        }
    }

    public void Clear()
    {
        _byKey.Clear();
        _firstByIp.Clear();
        _byExpiry.Clear();
    }

    private static (DateTimeOffset, long) Key(Node node) => (node.ExpiresAt, node.Sequence);

    private void Compact() => _byExpiry.Compact(_byKey.Count, _byKey.Values, Key);

    private void Remove(Node node)
    {
        node.Invalidate();
        _byKey.Remove((node.Ip, node.NodeId));
        Compact();
        if (node.Previous is { } previous)
        {
            previous.Next = node.Next;
        }
        else if (node.Next is { } next)
        {
            _firstByIp[node.Ip] = next;
        }
        else
        {
            _firstByIp.Remove(node.Ip);
        }
        if (node.Next is { } following)
        {
            following.Previous = node.Previous;
        }
    }

    // The signal's fields held directly (not a RememberedSignal record): the expiry index compares them on every
    // insert and removal, one pointer hop less each time, and one object less per entry.
    private sealed class Node(IPAddress ip, string nodeId, DateTimeOffset expiresAt, long sequence) : HeapItem
    {
        public IPAddress Ip { get; } = ip;

        public string NodeId { get; } = nodeId;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

        public long Sequence { get; } = sequence;

        // The other senders remembered for the same address.
        public Node? Previous { get; set; }

        public Node? Next { get; set; }
    }
}

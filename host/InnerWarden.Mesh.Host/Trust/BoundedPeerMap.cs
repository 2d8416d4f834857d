using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Host.Trust;

/// <summary>
/// Per-peer state keyed by node id with an upper bound on unprotected entries. When the bound is passed, the
/// least useful tenth (<see cref="PeerRank"/>) is evicted at once, so a flood of fresh identities costs an
/// amortised sort per insert instead of a scan per insert. Not thread-safe: owners hold their own lock.
/// </summary>
internal sealed class BoundedPeerMap<T>
    where T : class
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Func<string, T, PeerRank> _rank;

    public BoundedPeerMap(int capacity, Func<string, T, PeerRank> rank)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _rank = rank;
    }

    public int Capacity { get; }

    public int Count => _items.Count;

    public IEnumerable<KeyValuePair<string, T>> Items => _items;

    public bool TryGetValue(string nodeId, out T value)
    {
        bool found = _items.TryGetValue(nodeId, out var stored);
        value = stored!; // Only read by callers when found is true.
        return found;
    }

    /// <summary>Stores the value; trims the least useful others when over capacity (never <paramref name="nodeId"/> itself).</summary>
    public void Set(string nodeId, T value)
    {
        // One hash of the 64-character id for add-or-replace: this runs for every signal received.
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_items, nodeId, out bool existed);
        slot = value;
        if (!existed && _items.Count > Capacity)
        {
            Trim(nodeId);
        }
    }

    public bool Remove(string nodeId) => _items.Remove(nodeId);

    public void Clear() => _items.Clear();

    private void Trim(string keep)
    {
        int target = Capacity - Math.Max(1, Capacity / 10);
        var candidates = new List<(PeerRank Rank, string Id)>(_items.Count);
        foreach (var (id, value) in _items)
        {
            var rank = _rank(id, value);
            if (!rank.Protected && !string.Equals(id, keep, StringComparison.Ordinal))
            {
                candidates.Add((rank, id));
            }
        }
        candidates.Sort(static (a, b) => a.Rank.CompareTo(b.Rank));
        int toEvict = Math.Min(candidates.Count, _items.Count - target);
        for (int i = 0; i < toEvict; i++)
        {
            _items.Remove(candidates[i].Id);
        }
    }
}

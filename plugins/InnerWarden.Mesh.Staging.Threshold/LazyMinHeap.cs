namespace InnerWarden.Mesh.Staging.Threshold;

/// <summary>Something kept in a <see cref="LazyMinHeap{TItem, TKey}"/>: its version changes whenever its key changes or it leaves.</summary>
internal abstract class HeapItem
{
    /// <summary>Bumped by the owner on every key change and on removal; heap entries of older versions are stale.</summary>
    public int Version { get; private set; }

    /// <summary>Makes every heap entry pushed so far for this item stale.</summary>
    public void Invalidate() => Version++;
}

/// <summary>
/// A min-priority collection of items whose keys change and which leave at any time, without searching for them:
/// a changed item is pushed again under its new key (after <see cref="HeapItem.Invalidate"/>), and entries of an
/// older version are dropped when they reach the front. Rebuilt from the live items when stale entries outnumber
/// them.
/// </summary>
/// <remarks>
/// Keys mostly arrive in order (an expiry is "now + TTL", and a flood of new addresses is staged at one score),
/// so an entry whose key is not below the last one in order is appended to a FIFO run in O(1), and only the others
/// go to an array-backed heap. Under a flood the pool is full and turns over at the same rate: the oldest leaves
/// from the front of the run as the newest joins at its back, where a tree or a heap would walk log n cold cache
/// lines for each.
/// </remarks>
internal sealed class LazyMinHeap<TItem, TKey>(IComparer<TKey> comparer)
    where TItem : HeapItem
{
    // Stale entries allowed beyond twice the live count before a rebuild (small ones are never worth it).
    private const int Slack = 64;

    private readonly Queue<(TItem Item, int Version, TKey Key)> _inOrder = new();
    private readonly PriorityQueue<(TItem Item, int Version), TKey> _heap = new(comparer);
    private TKey _lastInOrder = default!;

    /// <summary>Entries held, stale ones included.</summary>
    public int Count => _inOrder.Count + _heap.Count;

    /// <summary>Adds the item under its current key and version.</summary>
    public void Push(TItem item, TKey key)
    {
        if (_inOrder.Count == 0 || comparer.Compare(key, _lastInOrder) >= 0)
        {
            _inOrder.Enqueue((item, item.Version, key));
            _lastInOrder = key;
        }
        else
        {
            _heap.Enqueue((item, item.Version), key);
        }
    }

    /// <summary>The live item with the least key, dropping stale entries on the way; false when there is none.</summary>
    public bool TryPeek(out TItem item)
    {
        while (_inOrder.TryPeek(out var run) && run.Item.Version != run.Version)
        {
            _inOrder.Dequeue();
        }
        while (_heap.TryPeek(out var top, out _) && top.Item.Version != top.Version)
        {
            _heap.Dequeue();
        }
        bool fromRun = _inOrder.TryPeek(out var first);
        bool fromHeap = _heap.TryPeek(out var least, out var leastKey);
        if (fromRun && (!fromHeap || comparer.Compare(first.Key, leastKey) <= 0))
        {
            item = first.Item;
            return true;
        }
        item = least.Item;
        return fromHeap;
    }

    /// <summary>Rebuilds from <paramref name="live"/> when stale entries have piled up past the live ones.</summary>
    public void Compact(int liveCount, IEnumerable<TItem> live, Func<TItem, TKey> keyOf)
    {
        if (Count <= 2 * liveCount + Slack)
        {
            return;
        }
        Clear();
        _heap.EnqueueRange(live.Select(item => ((item, item.Version), keyOf(item))));
    }

    public void Clear()
    {
        _inOrder.Clear();
        _heap.Clear();
        _lastInOrder = default!;
    }
}

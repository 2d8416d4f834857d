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
/// A min-heap of items whose keys change and which leave at any time, without searching the heap for them: a
/// changed item is pushed again under its new key (after <see cref="HeapItem.Invalidate"/>), and entries of an
/// older version are dropped when they reach the top. Array-backed: the sorted sets it replaces allocated a tree
/// node per entry and chased a pointer per comparison, which a pool turned over by a flood of distinct addresses
/// paid thousands of times a second. Rebuilt from the live items when stale entries outnumber them.
/// </summary>
internal sealed class LazyMinHeap<TItem, TKey>(IComparer<TKey> comparer)
    where TItem : HeapItem
{
    // Stale entries allowed beyond twice the live count before a rebuild (small heaps are never worth it).
    private const int Slack = 64;

    private readonly PriorityQueue<(TItem Item, int Version), TKey> _heap = new(comparer);

    /// <summary>Entries held, stale ones included.</summary>
    public int Count => _heap.Count;

    /// <summary>Adds the item under its current key and version.</summary>
    public void Push(TItem item, TKey key) => _heap.Enqueue((item, item.Version), key);

    /// <summary>The live item with the least key, dropping stale entries on the way; false when there is none.</summary>
    public bool TryPeek(out TItem item)
    {
        while (_heap.TryPeek(out var top, out _))
        {
            if (top.Item.Version == top.Version)
            {
                item = top.Item;
                return true;
            }
            _heap.Dequeue();
        }
        item = null!;
        return false;
    }

    /// <summary>Rebuilds from <paramref name="live"/> when stale entries have piled up past the live ones.</summary>
    public void Compact(int liveCount, IEnumerable<TItem> live, Func<TItem, TKey> keyOf)
    {
        if (_heap.Count <= 2 * liveCount + Slack)
        {
            return;
        }
        _heap.Clear();
        _heap.EnqueueRange(live.Select(item => ((item, item.Version), keyOf(item))));
    }

    public void Clear() => _heap.Clear();
}

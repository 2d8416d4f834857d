using FsCheck.Xunit;
using InnerWarden.Mesh.Staging.Threshold;

namespace InnerWarden.Mesh.Plugins.Tests.Threshold;

public sealed class LazyMinHeapTests
{
    /// <param name="operations">Per step: item (mod 16), new key, kind (add or re-key, remove, peek).</param>
    [Property(MaxTest = 500)]
    public bool Peek_is_always_the_live_item_with_the_least_current_key((byte Item, short Key, byte Kind)[] operations) =>
        Matches(operations.Select(o => (o.Item, (int)o.Key, o.Kind)));

    /// <summary>Keys mostly rising with the step (as expiries do), now and then out of order: the in-order run and the heap together.</summary>
    [Property(MaxTest = 500)]
    public bool Mostly_rising_keys_come_out_in_order_too((byte Item, sbyte Jitter, byte Kind)[] operations) =>
        Matches(operations.Select((o, step) => (o.Item, step * 4 + (o.Jitter % 8 == 0 ? o.Jitter : 0), o.Kind)));

    private static bool Matches(IEnumerable<(byte Item, int Key, byte Kind)> operations)
    {
        var heap = new LazyMinHeap<Item, (int Key, int Id)>(Comparer<(int, int)>.Default);
        var live = new Dictionary<int, Item>();
        foreach (var (itemByte, key, kind) in operations)
        {
            int id = itemByte % 16;
            switch (kind % 3)
            {
                case 0:
                    // Added, or re-keyed: the old heap entry goes stale.
                    if (!live.TryGetValue(id, out var item))
                    {
                        live[id] = item = new Item(id);
                    }
                    item.Invalidate();
                    item.Key = key;
                    heap.Push(item, (item.Key, id));
                    break;
                case 1:
                    if (live.Remove(id, out var gone))
                    {
                        gone.Invalidate();
                        heap.Compact(live.Count, live.Values, i => (i.Key, i.Id));
                    }
                    break;
            }
            var expected = live.Values.OrderBy(i => i.Key).ThenBy(i => i.Id).FirstOrDefault();
            bool found = heap.TryPeek(out var top);
            if (found != (expected is not null) || (found && !ReferenceEquals(top, expected)))
            {
                return false;
            }
            // Stale entries never pile up past twice the live ones plus the slack.
            if (heap.Count > 2 * live.Count + 64 + 1)
            {
                return false;
            }
        }
        return true;
    }

    private sealed class Item(int id) : HeapItem
    {
        public int Id { get; } = id;

        public int Key { get; set; }
    }
}

namespace InnerWarden.Mesh.Transport.Common.Outbox;

/// <summary>
/// Undelivered signals (for one HTTP peer, or for the NATS stream), oldest first, bounded: when full, the oldest is
/// dropped (it is also the one closest to expiry). Thread-safe; a flush takes a snapshot and removes exactly the
/// entries it delivered.
/// </summary>
internal sealed class SignalOutbox(int capacity)
{
    private readonly LinkedList<OutboxEntry> _entries = new();
    private readonly Lock _lock = new();

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

    /// <summary>Adds a signal; returns the entry dropped to make room, if any.</summary>
    public OutboxEntry? Enqueue(OutboxEntry entry)
    {
        lock (_lock)
        {
            OutboxEntry? dropped = null;
            if (capacity == 0)
            {
                return entry;
            }
            if (_entries.Count >= capacity && _entries.First is { } oldest)
            {
                dropped = oldest.Value;
                _entries.RemoveFirst();
            }
            _entries.AddLast(entry);
            return dropped;
        }
    }

    /// <summary>Removes entries whose delivery window has closed; returns how many.</summary>
    public int RemoveExpired(DateTimeOffset now)
    {
        lock (_lock)
        {
            int removed = 0;
            for (var node = _entries.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.ExpiresAt <= now)
                {
                    _entries.Remove(node);
                    removed++;
                }
                node = next;
            }
            return removed;
        }
    }

    /// <summary>Up to <paramref name="max"/> of the oldest entries, left in place.</summary>
    public List<LinkedListNode<OutboxEntry>> Peek(int max)
    {
        lock (_lock)
        {
            var list = new List<LinkedListNode<OutboxEntry>>(Math.Min(max, _entries.Count));
            for (var node = _entries.First; node is not null && list.Count < max; node = node.Next)
            {
                list.Add(node);
            }
            return list;
        }
    }

    /// <summary>Removes the given entries (those still present; a dropped one is simply gone already).</summary>
    public void Remove(IEnumerable<LinkedListNode<OutboxEntry>> done)
    {
        lock (_lock)
        {
            foreach (var node in done)
            {
                if (node.List == _entries)
                {
                    _entries.Remove(node);
                }
            }
        }
    }
}

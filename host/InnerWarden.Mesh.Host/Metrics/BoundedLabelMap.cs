using System.Collections.Concurrent;

namespace InnerWarden.Mesh.Host.Metrics;

/// <summary>
/// The series of one label (peer, detector) keyed by label value, at most <c>capacity</c> distinct values.
/// Every Prometheus series costs memory in this process and in the scraper forever, and some label values
/// come from the network (peer names, identities), so a flood of new values must not grow the registry:
/// past the cap, counters share one <see cref="Overflow"/> series and gauges are not recorded.
/// </summary>
/// <typeparam name="T">What is kept per value, e.g. the metric children for that label value.</typeparam>
internal sealed class BoundedLabelMap<T>
    where T : class
{
    /// <summary>The label value every value past the cap is counted under.</summary>
    public const string Overflow = "other";

    /// <summary>The label value used for a null or empty value.</summary>
    public const string Unknown = "unknown";

    /// <summary>Longest label value kept; longer values are cut (they would only bloat every scrape).</summary>
    public const int MaxValueLength = 128;

    private readonly ConcurrentDictionary<string, T> _series = new(StringComparer.Ordinal);
    private readonly Func<string, T> _create;
    private readonly Lock _gate = new();
    private T? _overflow;

    /// <summary>A map holding at most <paramref name="capacity"/> values, creating series with <paramref name="create"/>.</summary>
    public BoundedLabelMap(int capacity, Func<string, T> create)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _create = create;
    }

    /// <summary>Most distinct values kept.</summary>
    public int Capacity { get; }

    /// <summary>Distinct values kept now (not counting the overflow series).</summary>
    public int Count => _series.Count;

    /// <summary>The series of <paramref name="value"/>, or the shared overflow series when the map is full.</summary>
    public T GetOrOverflow(string? value)
    {
        var key = Normalize(value);
        if (_series.TryGetValue(key, out var series))
        {
            return series;
        }
        return TryAdmit(key, out series) ? series : OverflowSeries();
    }

    /// <summary>The series of <paramref name="value"/>; false when the map is full and the value is not in it.</summary>
    public bool TryGet(string? value, out T series)
    {
        var key = Normalize(value);
        return _series.TryGetValue(key, out series!) || TryAdmit(key, out series);
    }

    /// <summary>The values kept now.</summary>
    public IReadOnlyCollection<string> Values => (IReadOnlyCollection<string>)_series.Keys;

    /// <summary>Forgets a value, freeing its slot; returns its series so the caller can unpublish it.</summary>
    public bool TryRemove(string value, out T series) => _series.TryRemove(Normalize(value), out series!);

    /// <summary>The label value a raw value is recorded under when admitted (empty becomes unknown, long is cut).</summary>
    public static string Normalize(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Unknown;
        }
        // Never between the two halves of a surrogate pair: a detector is free text, and half a character is not UTF-8.
        return value.Length <= MaxValueLength ? value
            : value[..(char.IsHighSurrogate(value[MaxValueLength - 1]) ? MaxValueLength - 1 : MaxValueLength)];
    }

    private bool TryAdmit(string key, out T series)
    {
        // Creation is rare (once per distinct value), so a lock keeps the count exact without a CAS loop.
        lock (_gate)
        {
            if (_series.TryGetValue(key, out series!))
            {
                return true;
            }
            if (_series.Count >= Capacity)
            {
                return false;
            }
            series = _create(key);
            _series[key] = series;
            return true;
        }
    }

    private T OverflowSeries()
    {
        if (_overflow is { } existing)
        {
            return existing;
        }
        lock (_gate)
        {
            return _overflow ??= _create(Overflow);
        }
    }
}

using System.Net;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Enforcement;

namespace InnerWarden.Mesh.Enforcers.Nftables;

/// <summary>Reads `nft -j` output.</summary>
internal static class NftJson
{
    /// <summary>
    /// The elements of a `nft -j list set` answer: plain strings, or objects
    /// <c>{"elem": {"val": "1.2.3.4", "timeout": 3600, "expires": 3599, "counter": {"packets": 1, "bytes": 60}}}</c>.
    /// Anything else (ranges, prefixes someone added by hand) is skipped: we only ever add plain addresses.
    /// </summary>
    public static List<AppliedBlock> ParseSetElements(string json)
    {
        var result = new List<AppliedBlock>();
        using var doc = JsonDocument.Parse(json);
        foreach (var item in NftablesArray(doc))
        {
            if (!item.TryGetProperty("set", out var set) || !set.TryGetProperty("elem", out var elems) || elems.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var elem in elems.EnumerateArray())
            {
                if (elem.ValueKind == JsonValueKind.String)
                {
                    if (IPAddress.TryParse(elem.GetString(), out var plain))
                    {
                        result.Add(new AppliedBlock(plain, null, null));
                    }
                    continue;
                }
                if (elem.ValueKind != JsonValueKind.Object || !elem.TryGetProperty("elem", out var inner)
                    || !inner.TryGetProperty("val", out var val) || val.ValueKind != JsonValueKind.String
                    || !IPAddress.TryParse(val.GetString(), out var ip))
                {
                    continue;
                }
                TimeSpan? remaining = inner.TryGetProperty("expires", out var expires) && expires.TryGetInt64(out var secs)
                    ? TimeSpan.FromSeconds(secs)
                    : null;
                long? packets = inner.TryGetProperty("counter", out var counter) && counter.ValueKind == JsonValueKind.Object
                    && counter.TryGetProperty("packets", out var p) && p.TryGetInt64(out var n)
                    ? n
                    : null;
                result.Add(new AppliedBlock(ip, remaining, packets));
            }
        }
        return result;
    }

    /// <summary>True when `nft -j list chain` shows a rule matching <c>ip[6] saddr @set</c> followed by <c>drop</c>.</summary>
    public static bool HasDropRule(string json, string protocol, string set)
    {
        using var doc = JsonDocument.Parse(json);
        foreach (var item in NftablesArray(doc))
        {
            if (!item.TryGetProperty("rule", out var rule) || !rule.TryGetProperty("expr", out var expr) || expr.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            var matches = false;
            var drops = false;
            foreach (var e in expr.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                if (e.TryGetProperty("match", out var match)
                    && match.TryGetProperty("left", out var left) && left.TryGetProperty("payload", out var payload)
                    && payload.TryGetProperty("protocol", out var proto) && proto.ValueEquals(protocol)
                    && payload.TryGetProperty("field", out var field) && field.ValueEquals("saddr")
                    && match.TryGetProperty("right", out var right) && right.ValueKind == JsonValueKind.String && right.ValueEquals("@" + set))
                {
                    matches = true;
                }
                if (e.TryGetProperty("drop", out _))
                {
                    drops = true;
                }
            }
            if (matches && drops)
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<JsonElement> NftablesArray(JsonDocument doc)
    {
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("nftables", out var arr) && arr.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in arr.EnumerateArray())
            {
                yield return item;
            }
        }
    }
}

namespace InnerWarden.Mesh.Host.Config;

/// <summary>"Did you mean ...?" for a misspelt key or plugin name: the closest known name within a small edit distance.</summary>
internal static class NearestName
{
    /// <summary>
    /// The candidate closest to <paramref name="name"/> by optimal string alignment distance (insertions, deletions,
    /// substitutions and swaps of neighbours, ignoring case), if it is at most 2 edits and at most a third of the
    /// candidate's length (so that short names do not suggest unrelated ones); null otherwise.
    /// </summary>
    public static string? Find(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            var limit = Math.Min(2, Math.Max(1, candidate.Length / 3));
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>" did you mean X?" for a message, or empty when nothing is close.</summary>
    public static string Hint(string name, IEnumerable<string> candidates) =>
        Find(name, candidates) is { } nearest ? $"did you mean {nearest}? " : "";

    /// <summary>Optimal string alignment distance (restricted Damerau-Levenshtein).</summary>
    internal static int Distance(string a, string b)
    {
        // Three rolling rows: the one before the previous is what a swap of neighbours looks back to.
        var width = b.Length + 1;
        var older = new int[width];
        var previous = new int[width];
        var current = new int[width];
        for (var j = 0; j < width; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j < width; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    current[j] = Math.Min(current[j], older[j - 2] + 1);
                }
            }
            (older, previous, current) = (previous, current, older);
        }
        return previous[width - 1];
    }
}

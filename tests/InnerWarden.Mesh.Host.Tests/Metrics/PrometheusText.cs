using System.Globalization;
using System.Text;
using InnerWarden.Mesh.Host.Metrics;

namespace InnerWarden.Mesh.Host.Tests.Metrics;

/// <summary>
/// The samples of a Prometheus text exposition, parsed the way a scraper reads them, so tests assert on
/// what Prometheus would store rather than on prometheus-net's formatting.
/// </summary>
internal sealed class PrometheusText
{
    private readonly Dictionary<string, double> _samples = new(StringComparer.Ordinal);

    private PrometheusText(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var (name, labels, rest) = SplitSample(line);
            var value = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            _samples[Key(name, labels)] = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
        }
    }

    /// <summary>The exposition as received.</summary>
    public string Text { get; }

    /// <summary>Every sample name in the exposition.</summary>
    public IEnumerable<string> SampleNames => _samples.Keys.Select(k => k.Split('{')[0]).Distinct();

    public static PrometheusText Parse(string text) => new(text);

    /// <summary>Exports a registry without HTTP.</summary>
    public static async Task<PrometheusText> ScrapeAsync(MeshMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return Parse(Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>The value of the sample with exactly these labels, or null when absent.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels)
        => _samples.TryGetValue(Key(name, labels.ToDictionary(l => l.Label, l => l.Value)), out var v) ? v : null;

    /// <summary>How many samples of <paramref name="name"/> exist (distinct label sets).</summary>
    public int SeriesCount(string name) => _samples.Keys.Count(k => k.Split('{')[0] == name);

    /// <summary>The values of <paramref name="label"/> across the samples of <paramref name="name"/>.</summary>
    public IReadOnlyList<string> LabelValues(string name, string label)
        => _samples.Keys.Where(k => k.Split('{')[0] == name)
            .Select(k => SplitSample(k + " 0").Labels.GetValueOrDefault(label))
            .OfType<string>()
            .ToList();

    private static string Key(string name, IReadOnlyDictionary<string, string> labels)
        => name + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{Escape(l.Value)}\"")) + "}";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static (string Name, Dictionary<string, string> Labels, string Tail) SplitSample(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (brace < 0 || (space >= 0 && space < brace))
        {
            return (line[..space], labels, line[(space + 1)..]);
        }
        var name = line[..brace];
        var i = brace + 1;
        while (line[i] != '}')
        {
            var eq = line.IndexOf('=', i);
            var label = line[i..eq].Trim(',', ' ');
            i = eq + 2; // past ="
            var value = new StringBuilder();
            while (line[i] != '"')
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }
                i++;
            }
            labels[label] = value.ToString();
            i++; // past closing quote
            if (line[i] == ',')
            {
                i++;
            }
        }
        return (name, labels, line[(i + 1)..].TrimStart());
    }
}

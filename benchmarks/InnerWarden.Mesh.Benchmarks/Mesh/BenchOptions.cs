using System.Globalization;

namespace InnerWarden.Mesh.Benchmarks.Mesh;

/// <summary>
/// The <c>--name value</c> options of one benchmark: every name must be known and every value a whole number in
/// its range, or the benchmark stops with a message naming the option and the value.
/// </summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, (int Value, int Min, int Max)> _values = new(StringComparer.Ordinal);
    private readonly string _benchmark;

    public BenchOptions(string benchmark, params (string Name, int Default, int Min, int Max)[] options)
    {
        _benchmark = benchmark;
        foreach (var (name, value, min, max) in options)
        {
            _values[name] = (value, min, max);
        }
    }

    public int this[string name] => _values[name].Value;

    /// <summary>Reads <paramref name="args"/>; false (with the reason on stderr) when one is unknown or out of range.</summary>
    public bool TryParse(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
            if (name is null || !_values.TryGetValue(name, out var option))
            {
                Console.Error.WriteLine($"{_benchmark}: unknown option '{args[i]}' (expected {string.Join(", ", _values.Keys.Select(k => "--" + k + " N"))})");
                return false;
            }
            if (i + 1 >= args.Length
                || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value)
                || value < option.Min || value > option.Max)
            {
                var given = i + 1 < args.Length ? args[i + 1] : "(nothing)";
                Console.Error.WriteLine($"{_benchmark}: --{name} '{given}' is not a whole number between {option.Min} and {option.Max}");
                return false;
            }
            _values[name] = (value, option.Min, option.Max);
            i++;
        }
        return true;
    }
}

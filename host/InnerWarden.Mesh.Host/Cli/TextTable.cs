namespace InnerWarden.Mesh.Host.Cli;

/// <summary>A plain, space-aligned text table for the human form of CLI output.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string?[] cells) => _rows.Add([.. cells.Select(c => c ?? "-")]);

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[headers.Length];
        for (int i = 0; i < headers.Length; i++)
        {
            widths[i] = headers[i].Length;
            foreach (var row in _rows)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        WriteRow(writer, headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var parts = new string[cells.Length];
        for (int i = 0; i < cells.Length; i++)
        {
            parts[i] = i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]);
        }
        writer.WriteLine(string.Join("  ", parts).TrimEnd());
    }
}

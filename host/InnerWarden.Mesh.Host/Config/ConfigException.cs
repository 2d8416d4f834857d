namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// The config file (or a config value given on the command line) is wrong. The message reads
/// <c>FILE:LINE:COLUMN: KEY: what is wrong</c> so an operator can jump straight to it.
/// </summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(string file, long line, long column, string key, string problem, Exception? inner = null)
        : base(Format(file, line, column, key, problem), inner)
    {
        File = file;
        Line = line;
        Column = column;
        Key = key;
        Problem = problem;
    }

    /// <summary>The file the bad value came from.</summary>
    public string File { get; }

    /// <summary>1-based line, 0 when the problem has no position (e.g. the file cannot be read).</summary>
    public long Line { get; }

    /// <summary>1-based column, 0 when unknown.</summary>
    public long Column { get; }

    /// <summary>The key path, e.g. <c>peers[1].public_key</c>.</summary>
    public string Key { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Format(string file, long line, long column, string key, string problem)
    {
        var where = line > 0 ? $"{file}:{line}:{column}" : file;
        return string.IsNullOrEmpty(key) ? $"{where}: {problem}" : $"{where}: {key}: {problem}";
    }
}

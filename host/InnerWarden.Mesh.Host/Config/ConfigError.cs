namespace InnerWarden.Mesh.Host.Config;

/// <summary>One thing wrong in a config file, read as <c>FILE:LINE:COLUMN: KEY: what is wrong</c>.</summary>
/// <param name="File">The file the bad value came from (empty for a config built in code).</param>
/// <param name="Line">1-based line, 0 when the problem has no position (e.g. the file cannot be read).</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
/// <param name="Key">The key path, e.g. <c>peers[1].public_key</c>; empty for the whole file.</param>
/// <param name="Problem">What is wrong and what is expected, without the location.</param>
internal sealed record ConfigError(string File, long Line, long Column, string Key, string Problem)
{
    /// <summary>Set on an unknown top-level key, so a check that knows the plugins can say where the key belongs.</summary>
    public bool IsUnknownTopLevelKey { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        var what = string.IsNullOrEmpty(Key) ? Problem : $"{Key}: {Problem}";
        return where.Length == 0 ? what : $"{where}: {what}";
    }
}

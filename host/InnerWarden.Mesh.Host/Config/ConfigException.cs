namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// The config file (or a config value given on the command line) is wrong. It carries every error found in the file,
/// in file order; each reads <c>FILE:LINE:COLUMN: KEY: what is wrong</c> so an operator can jump straight to it. The
/// message is the errors, one per line.
/// </summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(string file, long line, long column, string key, string problem, Exception? inner = null)
        : this([new ConfigError(file, line, column, key, problem)], inner)
    {
    }

    public ConfigException(IReadOnlyList<ConfigError> errors, Exception? inner = null)
        : base(string.Join('\n', errors), inner)
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        Errors = errors;
    }

    /// <summary>Every error, in file order (line, then column).</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>The file of the first error.</summary>
    public string File => Errors[0].File;

    /// <summary>The line of the first error; 0 when it has no position.</summary>
    public long Line => Errors[0].Line;

    /// <summary>The column of the first error; 0 when unknown.</summary>
    public long Column => Errors[0].Column;

    /// <summary>The key path of the first error, e.g. <c>peers[1].public_key</c>.</summary>
    public string Key => Errors[0].Key;

    /// <summary>What is wrong in the first error, without the location.</summary>
    public string Problem => Errors[0].Problem;
}

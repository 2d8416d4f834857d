namespace InnerWarden.Mesh.Host.Config;

/// <summary>A config file as the loader read it: the values (defaults where a value was bad), where each key was, and every error.</summary>
/// <param name="Config">The parsed config; a bad value keeps its default here, so later checks can still run.</param>
/// <param name="Source">Positions of the keys, for errors found after loading.</param>
/// <param name="Errors">Every error the loader found, in file order.</param>
internal sealed record LoadedConfig(MeshConfig Config, ConfigSourceMap Source, IReadOnlyList<ConfigError> Errors)
{
    /// <summary>The config, or a <see cref="ConfigException"/> listing every error.</summary>
    public MeshConfig OrThrow() => Errors.Count == 0 ? Config : throw new ConfigException(Errors);

    /// <summary><paramref name="errors"/> in file order: by line, then column; errors without a position last.</summary>
    public static List<ConfigError> InFileOrder(IEnumerable<ConfigError> errors) =>
        [.. errors.OrderBy(e => e.Line == 0 ? long.MaxValue : e.Line).ThenBy(e => e.Column)];
}

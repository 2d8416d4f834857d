namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// Where the config file and the data directory are, from (highest first) the command-line flag, the
/// environment variable, the config file's <c>data_dir</c> key (data directory only), and the default.
/// </summary>
/// <param name="ConfigPath">The config file to read and write.</param>
/// <param name="DataDirectoryOverride">The data directory from a flag or the environment, null when neither is set.</param>
internal sealed record ConfigLocation(string ConfigPath, string? DataDirectoryOverride)
{
    public const string ConfigVariable = "INNERWARDEN_CONFIG";
    public const string DataDirectoryVariable = "INNERWARDEN_DATA_DIR";

    /// <summary>
    /// Who named <see cref="ConfigPath"/>: <c>--config</c> or <c>$INNERWARDEN_CONFIG</c>; null for the default path. Only the
    /// default path may be absent (every default then): a file named explicitly must exist for a command that reads it.
    /// </summary>
    public string? ConfigGivenBy { get; init; }

    /// <summary>Resolves the locations; <paramref name="environment"/> reads a variable (the process environment by default).</summary>
    public static ConfigLocation Resolve(string? configFlag, string? dataDirFlag, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var (config, givenBy) = NonEmpty(configFlag) is { } flag ? (flag, "--config")
            : NonEmpty(environment(ConfigVariable)) is { } variable ? (variable, "$" + ConfigVariable)
            : (MeshConfig.DefaultConfigPath, null);
        var dataDir = NonEmpty(dataDirFlag) ?? NonEmpty(environment(DataDirectoryVariable));
        return new ConfigLocation(Path.GetFullPath(config), dataDir is null ? null : Path.GetFullPath(dataDir)) { ConfigGivenBy = givenBy };
    }

    /// <summary>The data directory once the config is read.</summary>
    public string DataDirectoryFor(MeshConfig config) =>
        DataDirectoryOverride ?? (config.DataDirectory is { } fromFile ? Path.GetFullPath(fromFile) : MeshConfig.DefaultDataDirectory);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

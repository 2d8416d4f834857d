using System.CommandLine;
using InnerWarden.Mesh.Host.Config;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>The options every command accepts, and what they resolve to.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = $"Config file (default: ${ConfigLocation.ConfigVariable}, else {MeshConfig.DefaultConfigPath})",
        Recursive = true,
    };

    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = $"Data directory (default: ${ConfigLocation.DataDirectoryVariable}, else data_dir in the config, else {MeshConfig.DefaultDataDirectory})",
        Recursive = true,
    };

    /// <summary>A fresh <c>--json</c> option for a command that prints data.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print JSON for scripts (field names are stable, see the README)" };

    /// <summary>Where the config and data directory are for this invocation.</summary>
    public ConfigLocation Locate(ParseResult parseResult) =>
        ConfigLocation.Resolve(parseResult.GetValue(Config), parseResult.GetValue(DataDir));
}

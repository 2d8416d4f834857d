using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Enforcers.Commands;

namespace InnerWarden.Mesh.Enforcers.Nftables;

/// <summary>The plugin's settings.</summary>
/// <param name="Table">Setting <c>table</c>: our own table in family <c>inet</c>; nothing else is ever touched.</param>
/// <param name="Common">Settings shared with the other command-driven enforcers (<c>netns</c>, <c>command_timeout_secs</c>).</param>
internal sealed record NftablesOptions(string Table, EnforcerSettings Common)
{
    public const string DefaultTable = "innerwarden_mesh";

    /// <summary>The keys of <c>plugin_settings.nftables</c>: its table, then the shared enforcer settings.</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.Text("table", DefaultTable, "the inet table the plugin owns (sets and chain inside it); foreign tables are never touched"),
        .. EnforcerSettings.Definitions,
    ];

    /// <summary>The rules a plain text cannot declare: the table name, and the shared ones.</summary>
    public static IReadOnlyList<PluginSettingProblem> Check(PluginSettingValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var table = values.GetText("table") ?? DefaultTable;
        // The name is pasted into nft scripts: only an identifier may go there.
        IReadOnlyList<PluginSettingProblem> own = table.Length is 0 or > 64 || !char.IsAsciiLetter(table[0]) || !table.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? [new PluginSettingProblem("table", $"expected an nft table name (a letter, then letters, digits or '_', at most 64), got '{table}'")]
            : [];
        return [.. own, .. EnforcerSettings.Check(values)];
    }

    public static NftablesOptions Parse(IReadOnlyDictionary<string, string> settings)
    {
        var values = PluginSettingValues.Parse("nftables", Definitions, settings, Check);
        return new NftablesOptions(values.GetText("table") ?? DefaultTable, EnforcerSettings.From(values));
    }
}

using InnerWarden.Mesh.Enforcers.Commands;

namespace InnerWarden.Mesh.Enforcers.Nftables;

/// <summary>The plugin's settings.</summary>
/// <param name="Table">Setting <c>table</c>: our own table in family <c>inet</c>; nothing else is ever touched.</param>
/// <param name="Common">Settings shared with the other command-driven enforcers (<c>netns</c>, <c>command_timeout_secs</c>).</param>
internal sealed record NftablesOptions(string Table, EnforcerSettings Common)
{
    public const string DefaultTable = "innerwarden_mesh";

    public static NftablesOptions Parse(IReadOnlyDictionary<string, string> settings)
    {
        var common = EnforcerSettings.Parse("nftables", settings);
        var table = DefaultTable;
        if (settings.TryGetValue("table", out var t))
        {
            // The name is pasted into nft scripts: only an identifier may go there.
            if (t.Length is 0 or > 64 || !char.IsAsciiLetter(t[0]) || !t.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"plugin_settings.nftables.table: '{t}' is not an nft table name (a letter, then letters, digits or '_', at most 64)");
            }
            table = t;
        }
        return new NftablesOptions(table, common);
    }
}

using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Plugins;
using InnerWarden.Mesh.IntegrationTests.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.IntegrationTests.Config;

/// <summary>The committed plugin-settings docs are what the shipped plugins declare.</summary>
public sealed class PluginSettingsDocsTests
{
    private static readonly IReadOnlyList<LoadedPlugin> Shipped =
        new PluginCatalogCache().GetOrLoad(PluginFolders.HostPlugins(), NullLogger.Instance).ConstructAll();

    [Theory]
    [InlineData("README.md")]
    [InlineData("packaging/mesh.yaml")]
    public void The_committed_docs_match_the_plugins_declarations(string file)
    {
        var format = file.EndsWith(".md", StringComparison.Ordinal) ? PluginSettingsDocs.Format.Markdown : PluginSettingsDocs.Format.Yaml;
        var committed = PluginSettingsDocs.Extract(File.ReadAllText(Path.Combine(RepositoryRoot.Path, file)), format);

        Assert.True(committed is not null, $"{file} has lost its generated plugin-settings markers; see PluginSettingsDocs.Markers");
        var generated = PluginSettingsDocs.Generate(format, Shipped);
        Assert.True(generated == committed,
            $"{file}'s plugin-settings block differs from what the plugins declare; regenerate it from the repository root with:\n  {PluginSettingsDocs.Command(format)}");
    }

    [Fact]
    public void Every_shipped_plugin_is_documented_and_every_setting_has_a_doc_and_a_stated_default()
    {
        Assert.Equal(
            ["bayesian", "http", "innerwarden-incidents", "iptables", "local-report", "log-only", "nats", "nftables", "sshd", "threshold", "tit-for-tat", "windows-firewall"],
            Shipped.Select(p => p.Name).Order(StringComparer.Ordinal));
        var markdown = PluginSettingsDocs.Generate(PluginSettingsDocs.Format.Markdown, Shipped);
        foreach (var plugin in Shipped)
        {
            Assert.Contains($"| `{plugin.Name}` |", markdown, StringComparison.Ordinal);
            Assert.All(plugin.Entry.Settings, s =>
            {
                Assert.False(string.IsNullOrWhiteSpace(s.Doc), $"{plugin.Name}.{s.Name} has no doc");
                // A declared default must itself be a valid value.
                Assert.True(s.Default is null || s.IsList || s.Check(s.Default) is null, $"{plugin.Name}.{s.Name}: default '{s.Default}' {s.Check(s.Default ?? "")}");
            });
        }
    }

    [Fact]
    public void Each_commented_section_of_the_packaged_mesh_yaml_uncommented_is_that_plugins_defaults()
    {
        var block = PluginSettingsDocs.Extract(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "packaging", "mesh.yaml")), PluginSettingsDocs.Format.Yaml)!;
        // Uncomment what an operator uncomments: the section headers and the key lines, not the explanations.
        var yaml = string.Join('\n', block.Split('\n')
            .Where(l => l.StartsWith("#plugin_settings:", StringComparison.Ordinal) || (l.StartsWith("#  ", StringComparison.Ordinal) && !l.TrimStart('#', ' ').StartsWith('#')))
            .Select(l => l[1..]));

        var sections = MeshConfigLoader.Parse(yaml, "mesh.yaml").PluginSettings;

        Assert.Equal(Shipped.Where(p => p.Entry.Settings.Count > 0).Select(p => p.Name).Order(StringComparer.Ordinal), sections.Keys.Order(StringComparer.Ordinal));
        foreach (var plugin in Shipped.Where(p => p.Entry.Settings.Count > 0))
        {
            var settings = sections[plugin.Name];
            Assert.True(PluginSettingValues.TryParse(plugin.Entry.Settings, settings, out _, out var problems), string.Join("; ", problems));
            foreach (var definition in plugin.Entry.Settings)
            {
                // Shown with its default, or (no default) shown empty so that uncommenting it changes nothing.
                Assert.Equal(definition.Default, settings.GetValueOrDefault(definition.Name) is { Length: > 0 } shown ? shown : null);
            }
        }
    }
}

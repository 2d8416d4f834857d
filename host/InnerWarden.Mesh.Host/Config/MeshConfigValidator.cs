using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Enforcement;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Config;

/// <summary>
/// The whole check of a config file against the plugins installed here, as the agent needs it before it starts: the loader's
/// errors, then every <c>plugins.*</c> name (installed, of that kind, for this OS; "did you mean" for a misspelling) and every
/// <c>plugin_settings</c> section (its plugin selected; each key declared by the plugin, with a "did you mean"; each value
/// fitting its declaration; the plugin's own rules across keys). Every error of the file is collected, each with its
/// <c>file:line:column</c>, before the file is refused.
/// </summary>
internal static class MeshConfigValidator
{
    /// <summary>
    /// Reads the config at <paramref name="location"/> and checks it against the plugins in its plugin directory (loaded into
    /// <paramref name="catalogs"/>, so composing the node afterwards reuses them). Throws <see cref="ConfigException"/> with every
    /// error; a plugin directory that cannot be loaded at all is a <see cref="PluginLoadException"/>.
    /// </summary>
    public static MeshConfig LoadValidated(ConfigLocation location, PluginCatalogCache catalogs, ILogger logger) =>
        Validate(MeshConfigLoader.Read(location), catalogs, logger);

    /// <summary>Checks what the loader read (see <see cref="LoadValidated"/>); returns the config when there is no error.</summary>
    public static MeshConfig Validate(LoadedConfig loaded, PluginCatalogCache catalogs, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(catalogs);
        var config = loaded.Config;
        var source = loaded.Source;
        var errors = new List<ConfigError>();
        var directory = config.ResolvePluginDirectory();
        if (loaded.Errors.Any(e => e.Line == 0))
        {
            // The file itself is missing or unreadable: nothing else can be checked.
            return loaded.OrThrow();
        }
        if (config.PluginDirectory is not null && !Directory.Exists(directory))
        {
            errors.Add(source.AtValue("plugins.directory", $"plugin directory {Path.GetFullPath(directory)} does not exist"));
            throw new ConfigException(LoadedConfig.InFileOrder(errors.Concat(loaded.Errors)));
        }
        var catalog = catalogs.GetOrLoad(directory, logger);
        var selected = CheckSelection(config.Plugins, catalog, source, errors);
        CheckSettings(config, selected, catalog, source, errors);
        errors.AddRange(loaded.Errors.Select(e => e.IsUnknownTopLevelKey ? WhereItBelongs(e, selected) : e));
        if (errors.Count > 0)
        {
            throw new ConfigException(LoadedConfig.InFileOrder(errors));
        }
        return config;
    }

    /// <summary>A selected plugin (or, for <c>enforcer: auto</c>, one auto may pick).</summary>
    private sealed record Selected(LoadedPlugin Plugin);

    private static Dictionary<string, Selected> CheckSelection(PluginSelection selection, PluginCatalog catalog, ConfigSourceMap source, List<ConfigError> errors)
    {
        var selected = new Dictionary<string, Selected>(StringComparer.Ordinal);
        void Check(PluginKind kind, string path, string name, params string[] specials)
        {
            if (specials.Contains(name, StringComparer.Ordinal))
            {
                return;
            }
            var problem = catalog.SelectionProblem(kind, name, (typo, installed) => NearestName.Hint(typo, [.. installed, .. specials]));
            if (problem is not null)
            {
                errors.Add(source.AtValue(path, problem));
                return;
            }
            selected.TryAdd(name, new Selected(catalog.Get(kind, name)));
        }
        Check(PluginKind.Transport, "plugins.transport", selection.Transport, PluginSelection.None);
        Check(PluginKind.Trust, "plugins.trust", selection.Trust);
        Check(PluginKind.Staging, "plugins.staging", selection.Staging);
        Check(PluginKind.Enforcer, "plugins.enforcer", selection.Enforcer, PluginSelection.Auto);
        for (var i = 0; i < selection.Detectors.Count; i++)
        {
            Check(PluginKind.Detector, $"plugins.detectors[{i}]", selection.Detectors[i]);
        }
        if (selection.Enforcer == PluginSelection.Auto)
        {
            // auto may pick any of these at start, so their settings apply.
            var candidates = EnforcerSelector.AutoOrder(catalog.Discovered.Select(d => d.Metadata));
            foreach (var name in candidates)
            {
                if (catalog.SelectionProblem(PluginKind.Enforcer, name) is null)
                {
                    selected.TryAdd(name, new Selected(catalog.Get(PluginKind.Enforcer, name)));
                }
            }
        }
        return selected;
    }

    private static void CheckSettings(MeshConfig config, Dictionary<string, Selected> selected, PluginCatalog catalog, ConfigSourceMap source, List<ConfigError> errors)
    {
        foreach (var (name, settings) in config.PluginSettings)
        {
            var path = $"plugin_settings.{name}";
            if (!selected.TryGetValue(name, out var plugin))
            {
                errors.Add(source.AtKey(path, NotSelected(name, config.Plugins, catalog)));
                continue;
            }
            var definitions = plugin.Plugin.Entry.Settings ?? [];
            var declared = definitions.Select(d => d.Name).ToList();
            var known = new Dictionary<string, string>(StringComparer.Ordinal);
            var sectionErrors = errors.Count;
            foreach (var (key, text) in settings)
            {
                var keyPath = $"{path}.{key}";
                var definition = definitions.FirstOrDefault(d => d.Name == key);
                if (definition is null)
                {
                    errors.Add(source.AtKey(keyPath, declared.Count == 0
                        ? $"unknown setting; the {name} plugin has no settings"
                        : $"unknown setting; {NearestName.Hint(key, declared)}the {name} plugin's settings are: {string.Join(", ", declared)}"));
                }
                else if (!definition.IsList && source.IsList(keyPath))
                {
                    errors.Add(source.AtValue(keyPath, $"expected a single value ({definition.Describe()}), got a list"));
                }
                else
                {
                    known[key] = text;
                }
            }
            if (!PluginSettingValues.TryParse(definitions, known, out var values, out var problems))
            {
                errors.AddRange(problems.Select(p => source.AtValue($"{path}.{p.Key}", p.Problem)));
            }
            else if (errors.Count == sectionErrors)
            {
                // The plugin's own rules see only values that fit their declarations.
                errors.AddRange((plugin.Plugin.Entry.CheckSettings(values) ?? []).Select(p =>
                    p.Key.Length == 0 ? source.AtKey(path, p.Problem) : source.AtValue($"{path}.{p.Key}", p.Problem)));
            }
        }
    }

    private static string NotSelected(string name, PluginSelection selection, PluginCatalog catalog)
    {
        var installed = catalog.Discovered.FirstOrDefault(d => d.Metadata.Name == name);
        if (installed is null)
        {
            var names = catalog.Discovered.Select(d => d.Metadata.Name).Distinct().Order(StringComparer.Ordinal).ToList();
            return $"no plugin named '{name}' is installed in {catalog.Directory}; {NearestName.Hint(name, names)}installed: {string.Join(", ", names)}";
        }
        var kind = installed.Metadata.Kind;
        var by = kind switch
        {
            PluginKind.Transport => $"plugins.transport is {selection.Transport}",
            PluginKind.Trust => $"plugins.trust is {selection.Trust}",
            PluginKind.Staging => $"plugins.staging is {selection.Staging}",
            PluginKind.Enforcer => $"plugins.enforcer is {selection.Enforcer}",
            _ => selection.Detectors.Count == 0 ? "plugins.detectors is empty" : $"plugins.detectors is [{string.Join(", ", selection.Detectors)}]",
        };
        return $"the {name} plugin is not selected ({by}); select it, or remove its settings";
    }

    /// <summary>An unknown top-level key that one of the selected plugins declares: say under which section it goes.</summary>
    private static ConfigError WhereItBelongs(ConfigError error, Dictionary<string, Selected> selected)
    {
        foreach (var (name, plugin) in selected)
        {
            var declared = (plugin.Plugin.Entry.Settings ?? []).Select(d => d.Name).ToList();
            if (NearestName.Find(error.Key, declared) is { } setting)
            {
                return error with { Problem = $"unknown key; {setting} is a setting of the {name} plugin: write it under plugin_settings.{name}" };
            }
        }
        return error;
    }
}

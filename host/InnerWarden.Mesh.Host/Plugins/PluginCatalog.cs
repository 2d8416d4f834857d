using System.Composition.Hosting;
using System.Reflection;
using InnerWarden.Mesh.Contracts.Plugins;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Plugins;

/// <summary>
/// Every plugin under one plugin directory: each folder <c>X/</c> holding <c>X.dll</c> is loaded into its own
/// load context (sharing only the contracts and the Microsoft.Extensions abstractions with the host), and
/// its MEF exports are read for metadata. Entry classes are constructed only when asked for by name.
/// </summary>
internal sealed partial class PluginCatalog
{
    /// <summary>
    /// The types whose assemblies (and those assemblies' references) come from the host, so that type
    /// identity holds across the boundary. Everything else a plugin references it loads privately: that is
    /// why PreferSharedTypes stays off (with it on, McMaster resolves every assembly the host also has, e.g.
    /// YamlDotNet, from the host, and a plugin's private version would silently be replaced).
    /// </summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(IMeshPlugin),
        typeof(IServiceCollection),
        typeof(ILogger),
        typeof(ILoggerFactory),
        typeof(TimeProvider),
        typeof(System.Composition.ExportAttribute),
        typeof(Microsoft.Extensions.Options.IOptions<>),
    ];

    private readonly ILogger _logger;

    private PluginCatalog(string directory, IReadOnlyList<DiscoveredPlugin> discovered, ILogger logger)
    {
        Directory = directory;
        Discovered = discovered;
        _logger = logger;
    }

    /// <summary>The plugin directory.</summary>
    public string Directory { get; }

    /// <summary>Every export found, constructed or not.</summary>
    public IReadOnlyList<DiscoveredPlugin> Discovered { get; }

    /// <summary>
    /// Loads every plugin folder. A folder without its own dll or without exports is skipped with a warning;
    /// a dll that fails to load, or two plugins of one kind claiming one name, throw <see cref="PluginLoadException"/>.
    /// </summary>
    public static PluginCatalog Load(string directory, ILogger logger)
    {
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new PluginLoadException($"plugin directory {directory} does not exist (set plugins.directory in the config)");
        }
        var discovered = new List<DiscoveredPlugin>();
        foreach (var folder in System.IO.Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            var dll = Path.Combine(folder, name + ".dll");
            if (!File.Exists(dll))
            {
                LogNoAssembly(logger, folder, name + ".dll");
                continue;
            }
            var exports = LoadFolder(folder, dll);
            if (exports.Count == 0)
            {
                LogNoExport(logger, folder);
                continue;
            }
            foreach (var export in exports)
            {
                var clash = discovered.FirstOrDefault(d => d.Metadata.Kind == export.Metadata.Kind && d.Metadata.Name == export.Metadata.Name);
                if (clash is not null)
                {
                    throw new PluginLoadException(
                        $"two plugins claim {PluginKinds.Display(export.Metadata.Kind)} '{export.Metadata.Name}': {clash.Directory} and {export.Directory}; remove one of the folders");
                }
                discovered.Add(export);
                LogDiscovered(logger, PluginKinds.Display(export.Metadata.Kind), export.Metadata.Name, export.Metadata.Version, folder);
                if (!MeshAbi.IsSupported(export.Metadata.AbiVersion))
                {
                    // Only a warning here: an unselected plugin does no harm. Selecting it is refused (Get).
                    LogIncompatible(logger, export.Describe(), AbiProblem(export.Metadata.AbiVersion));
                }
            }
        }
        return new PluginCatalog(directory, discovered, logger);
    }

    private static List<DiscoveredPlugin> LoadFolder(string folder, string dll)
    {
        try
        {
#pragma warning disable CA2000 // Never disposed: plugins stay loaded for the life of the process (IsUnloadable = false).
            var loader = PluginLoader.CreateFromAssemblyFile(dll, SharedTypes, config =>
            {
                config.PreferSharedTypes = false;
                // Nothing is ever unloaded: the node runs its plugins for its whole life.
                config.IsUnloadable = false;
            });
#pragma warning restore CA2000
            var assembly = loader.LoadDefaultAssembly();
            var version = VersionOf(assembly);
            try
            {
                using var container = new ContainerConfiguration().WithAssembly(assembly).CreateContainer();
                return container.GetExports<Lazy<IMeshPlugin, PluginMetadata>>()
                    .Select(lazy =>
                    {
                        // One place for versions: the plugin's assembly (Directory.Build.props), not its attribute.
                        lazy.Metadata.Version = version;
                        return new DiscoveredPlugin(lazy.Metadata, folder, lazy);
                    })
                    .OrderBy(d => d.Metadata.Kind)
                    .ThenBy(d => d.Metadata.Name, StringComparer.Ordinal)
                    .ToList();
            }
            catch (Exception e) when (ContractsMismatch(assembly) is { } mismatch)
            {
                // A plugin built against other contracts may not even have a [MeshPlugin] this host can read.
                throw new PluginLoadException($"plugin folder {folder}: {Path.GetFileName(dll)} {mismatch}: {Describe(e)}", e);
            }
        }
        catch (Exception e) when (e is not PluginLoadException)
        {
            throw new PluginLoadException($"plugin folder {folder} failed to load {Path.GetFileName(dll)}: {Describe(e)}", e);
        }
    }

    /// <summary>What is wrong with a plugin compiled against contracts ABI <paramref name="pluginAbi"/>, for this host.</summary>
    internal static string AbiProblem(int pluginAbi) =>
        $"was built against contracts ABI {pluginAbi}, but this host has contracts ABI {MeshAbi.Version} and loads plugins of ABI {MeshAbi.MinimumSupported} or later" +
        $" (InnerWarden.Mesh.Contracts {ContractsVersion}); rebuild the plugin against InnerWarden.Mesh.Contracts {ContractsVersion}";

    /// <summary>The plugin's version: its informational version without the source revision suffix.</summary>
    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    private static string ContractsVersion => VersionOf(typeof(IMeshPlugin).Assembly);

    /// <summary>Says which contracts the plugin references when they are not this host's; null when they are.</summary>
    private static string? ContractsMismatch(Assembly plugin)
    {
        var host = typeof(IMeshPlugin).Assembly.GetName();
        var referenced = plugin.GetReferencedAssemblies().FirstOrDefault(a => a.Name == host.Name);
        return referenced?.Version is { } version && version != host.Version
            ? $"references {host.Name} {version}, this host has {host.Version}: rebuild the plugin against InnerWarden.Mesh.Contracts {ContractsVersion}"
            : null;
    }

    /// <summary>The export of that kind and name, not constructed; null when there is none.</summary>
    public DiscoveredPlugin? Find(PluginKind kind, string name) =>
        Discovered.FirstOrDefault(d => d.Metadata.Kind == kind && d.Metadata.Name == name);

    /// <summary>
    /// Constructs the plugin of that kind and name; false when there is none or it does not run on this OS
    /// (for <c>auto</c> selection, which tries candidates in order). A constructor that throws still throws.
    /// </summary>
    public bool TryGet(PluginKind kind, string name, out LoadedPlugin plugin)
    {
        var found = Find(kind, name);
        if (found is null || !found.Metadata.SupportsCurrentOS())
        {
            plugin = null!;
            return false;
        }
        plugin = Construct(found);
        return true;
    }

    /// <summary>Constructs the plugin of that kind and name, or throws a <see cref="PluginLoadException"/> saying why not.</summary>
    public LoadedPlugin Get(PluginKind kind, string name)
    {
        if (SelectionProblem(kind, name) is { } problem)
        {
            throw new PluginLoadException(problem);
        }
        return Construct(Find(kind, name)!);
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot fill <paramref name="kind"/> here (not installed, of another kind, not for this OS, built
    /// against other contracts), or null when it can. <paramref name="hint"/> turns a name that is not installed and the
    /// installed names of the kind into a "did you mean" (the config check passes one; <see cref="Get"/> does not).
    /// </summary>
    public string? SelectionProblem(PluginKind kind, string name, Func<string, IReadOnlyList<string>, string>? hint = null)
    {
        var found = Find(kind, name);
        if (found is null)
        {
            var other = Discovered.FirstOrDefault(d => d.Metadata.Name == name);
            if (other is not null)
            {
                return $"plugin '{name}' in {other.Directory} is {PluginKinds.WithArticle(other.Metadata.Kind)} plugin, not {PluginKinds.WithArticle(kind)} plugin";
            }
            var available = Discovered.Where(d => d.Metadata.Kind == kind).Select(d => d.Metadata.Name).ToList();
            return $"no plugin named '{name}' of kind {PluginKinds.Display(kind)} in {Directory}; {hint?.Invoke(name, available)}"
                + $"found: {(available.Count == 0 ? "none" : string.Join(", ", available))}";
        }
        if (!found.Metadata.SupportsCurrentOS())
        {
            return $"{found.Describe()} runs on {found.Metadata.SupportedOS}, not on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; choose another {PluginKinds.Display(kind)}";
        }
        return MeshAbi.IsSupported(found.Metadata.AbiVersion) ? null : $"{found.Describe()} {AbiProblem(found.Metadata.AbiVersion)}";
    }

    /// <summary>
    /// Every installed plugin this host can load, constructed to read its settings declaration, whatever OS it runs on: what
    /// <c>innerwarden config docs</c> documents. Plugins built against contracts this host does not support are left out.
    /// </summary>
    public IReadOnlyList<LoadedPlugin> ConstructAll() =>
        [.. Discovered.Where(d => MeshAbi.IsSupported(d.Metadata.AbiVersion)).Select(Construct)];

    private static LoadedPlugin Construct(DiscoveredPlugin found)
    {
        if (!MeshAbi.IsSupported(found.Metadata.AbiVersion))
        {
            throw new PluginLoadException($"{found.Describe()} {AbiProblem(found.Metadata.AbiVersion)}");
        }
        try
        {
            return new LoadedPlugin(found.Metadata, found.Directory, found.Export.Value);
        }
        catch (Exception e)
        {
            throw new PluginLoadException($"{found.Describe()} failed to construct: {Describe(e)}", e);
        }
    }

    /// <summary>Constructs exactly the plugins <paramref name="selection"/> names, in kind order; nothing else is constructed.</summary>
    public IReadOnlyList<LoadedPlugin> Select(PluginSelection selection)
    {
        var selected = new List<LoadedPlugin>();
        if (selection.Transport != PluginSelection.None)
        {
            selected.Add(Get(PluginKind.Transport, selection.Transport));
        }
        selected.Add(Get(PluginKind.Trust, selection.Trust));
        selected.Add(Get(PluginKind.Staging, selection.Staging));
        var enforcer = selection.Enforcer;
        if (enforcer == PluginSelection.Auto)
        {
            // NodeComposer.ComposeAsync resolves auto by probing the firewalls before it gets here; a caller that
            // selects without probing (sync composition in tests) gets log-only, said loudly.
            enforcer = PluginSelection.LogOnly;
            LogAutoIsLogOnly(_logger);
        }
        selected.Add(Get(PluginKind.Enforcer, enforcer));
        foreach (var detector in selection.Detectors)
        {
            selected.Add(Get(PluginKind.Detector, detector));
        }
        return selected;
    }

    internal static string Describe(Exception e)
    {
        while (e is TargetInvocationException { InnerException: { } inner })
        {
            e = inner;
        }
        if (e is ReflectionTypeLoadException { LoaderExceptions: var loaderExceptions })
        {
            return string.Join("; ", loaderExceptions.OfType<Exception>().Select(x => x.Message).Distinct());
        }
        return $"{e.GetType().Name}: {e.Message}";
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "plugin folder {Folder} has no {Assembly}; skipped")]
    private static partial void LogNoAssembly(ILogger logger, string folder, string assembly);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "plugin folder {Folder} exports no plugin; skipped")]
    private static partial void LogNoExport(ILogger logger, string folder);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "found {Kind} plugin {Plugin} {Version} in {Folder}")]
    private static partial void LogDiscovered(ILogger logger, string kind, string plugin, string version, string folder);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "{Plugin} {Problem}; it cannot be selected")]
    private static partial void LogIncompatible(ILogger logger, string plugin, string problem);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "enforcer: auto was not probed, so log-only is used: NO FIREWALL WILL BE CHANGED. Set plugins.enforcer to nftables, iptables or windows-firewall to enforce blocks")]
    private static partial void LogAutoIsLogOnly(ILogger logger);
}

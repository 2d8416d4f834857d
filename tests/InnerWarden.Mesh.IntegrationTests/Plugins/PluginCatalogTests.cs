using System.Net;
using System.Reflection;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using YamlDotNet.RepresentationModel;

namespace InnerWarden.Mesh.IntegrationTests.Plugins;

/// <summary>The real loader over real built plugin folders (McMaster load contexts + MEF discovery).</summary>
public sealed class PluginCatalogTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A fresh catalog of a temp plugin directory holding only the fixture plugin, and the fixture's folder.</summary>
    private (PluginCatalog Catalog, string Folder) LoadFixture()
    {
        var folder = PluginFolders.CopyInto(_dir.Path, PluginFolders.Fixture());
        return (PluginCatalog.Load(_dir.Path, NullLogger.Instance), folder);
    }

    private static ServiceProvider Register(IReadOnlyList<LoadedPlugin> plugins, TimeProvider time)
    {
        var node = MeshConfig.Default.ToNodeSettings("/tmp/unused");
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddSingleton(node);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        PluginRegistrar.Register(services, plugins, node, _ => new Dictionary<string, string>());
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Real_log_only_plugin_is_loaded_registered_and_applies_blocks()
    {
        var catalog = PluginCatalog.Load(PluginFolders.HostPlugins(), NullLogger.Instance);
        var logOnly = catalog.Get(PluginKind.Enforcer, "log-only");
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var provider = Register([logOnly], time);

        var enforcer = provider.GetRequiredService<IFirewallEnforcer>();
        await enforcer.ApplyAsync([new BlockRequest(IPAddress.Parse("203.0.113.9"), TimeSpan.FromHours(1))], CancellationToken.None);
        var blocks = await enforcer.ListAsync(CancellationToken.None);

        Assert.Equal("log-only", enforcer.Name);
        Assert.Equal(IPAddress.Parse("203.0.113.9"), Assert.Single(blocks).Ip);
        Assert.Equal(TimeSpan.FromHours(1), blocks[0].Remaining);
        Assert.EndsWith("InnerWarden.Mesh.Enforcers.LogOnly", logOnly.Directory, StringComparison.Ordinal);
        // The enforcer came from the plugin's own load context, not the default one.
        Assert.NotSame(System.Runtime.Loader.AssemblyLoadContext.Default, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(enforcer.GetType().Assembly));
    }

    [Fact]
    public async Task Plugin_sees_its_private_YamlDotNet_while_the_host_sees_its_own()
    {
        var (catalog, _) = LoadFixture();
        var probe = catalog.Get(PluginKind.Detector, "isolation-probe");
        await using var provider = Register([probe], TimeProvider.System);

        var source = Assert.Single(provider.GetServices<IDetectionSource>());
        Detection? seen = null;
        await foreach (var detection in source.ReadAsync(CancellationToken.None))
        {
            seen = detection;
            break;
        }
        var hostVersion = typeof(YamlStream).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        Assert.NotNull(seen);
        Assert.StartsWith("YamlDotNet 13.7.", seen.Evidence, StringComparison.Ordinal);
        Assert.StartsWith("16.3.", hostVersion, StringComparison.Ordinal);
    }

    [Fact]
    public void Selecting_plugins_never_constructs_the_unselected_ones()
    {
        PluginFolders.CopyInto(_dir.Path, PluginFolders.Fixture());
        PluginFolders.CopyInto(_dir.Path, PluginFolders.HostPlugins() + "/InnerWarden.Mesh.Enforcers.LogOnly");
        var catalog = PluginCatalog.Load(_dir.Path, NullLogger.Instance);

        // The constructor of constructor-bomb throws: had discovery or selection constructed it, this would throw.
        var probe = catalog.Get(PluginKind.Detector, "isolation-probe");
        var enforcer = catalog.Get(PluginKind.Enforcer, "log-only");

        // Folders in ordinal order, exports by kind then name: the order is stable across runs.
        Assert.Equal(["log-only", "constructor-bomb", "future-abi-probe", "isolation-probe", "register-bomb", "stub-trust", "stub-staging", "silent-enforcer", "windows-only-probe"],
            catalog.Discovered.Select(d => d.Metadata.Name).ToArray());
        Assert.Equal(["log-only", "isolation-probe"], catalog.Discovered.Where(d => d.IsConstructed).Select(d => d.Metadata.Name).ToArray());
        Assert.NotNull(probe.Entry);
        Assert.NotNull(enforcer.Entry);
    }

    [Fact]
    public void Missing_plugin_names_the_kind_the_directory_and_what_was_found()
    {
        PluginFolders.CopyInto(_dir.Path, PluginFolders.HostPlugins() + "/InnerWarden.Mesh.Enforcers.LogOnly");
        var catalog = PluginCatalog.Load(_dir.Path, NullLogger.Instance);

        var e = Assert.Throws<PluginLoadException>(() => catalog.Get(PluginKind.Enforcer, "nftables"));

        Assert.Equal($"no plugin named 'nftables' of kind enforcer in {_dir.Path}; found: log-only", e.Message);
    }

    [Fact]
    public void Plugin_built_against_an_unsupported_contracts_abi_is_refused_when_selected_naming_both_abis()
    {
        var (catalog, folder) = LoadFixture();

        var e = Assert.Throws<PluginLoadException>(() => catalog.Get(PluginKind.Detector, "future-abi-probe"));

        Assert.StartsWith($"detector 'future-abi-probe' ({folder}) was built against contracts ABI {MeshAbi.Version + 1000}, but this host has contracts ABI {MeshAbi.Version}", e.Message, StringComparison.Ordinal);
        Assert.Contains("rebuild the plugin against InnerWarden.Mesh.Contracts", e.Message, StringComparison.Ordinal);
        // Discovery alone constructs nothing and refuses nothing: the other fixture plugins stay usable.
        Assert.NotNull(catalog.Get(PluginKind.Detector, "isolation-probe").Entry);
    }

    [Fact]
    public void Plugin_version_comes_from_its_assembly_not_its_attribute()
    {
        PluginFolders.CopyInto(_dir.Path, PluginFolders.HostPlugins() + "/InnerWarden.Mesh.Enforcers.LogOnly");
        var catalog = PluginCatalog.Load(_dir.Path, NullLogger.Instance);

        var hostVersion = typeof(PluginCatalog).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Equal(hostVersion, catalog.Find(PluginKind.Enforcer, "log-only")!.Metadata.Version);
        Assert.Equal(MeshAbi.Version, catalog.Find(PluginKind.Enforcer, "log-only")!.Metadata.AbiVersion);
    }

    [Fact]
    public void Shipped_enforcers_declare_the_auto_order_nftables_iptables_log_only_on_linux()
    {
        var catalog = PluginCatalog.Load(PluginFolders.HostPlugins(), NullLogger.Instance);

        var order = Host.Enforcement.EnforcerSelector.AutoOrder(catalog.Discovered.Select(d => d.Metadata));

        Assert.Equal(OperatingSystem.IsWindows() ? ["windows-firewall", "log-only"] : ["nftables", "iptables", "log-only"], order);
    }

    [Fact]
    public void Plugin_of_the_wrong_kind_is_refused_naming_its_folder()
    {
        var (catalog, folder) = LoadFixture();

        var wrongKind = Assert.Throws<PluginLoadException>(() => catalog.Get(PluginKind.Enforcer, "isolation-probe"));
        Assert.Equal($"plugin 'isolation-probe' in {folder} is a detector plugin, not an enforcer plugin", wrongKind.Message);
    }

    [Fact]
    public void Two_folders_claiming_one_name_are_refused_naming_both()
    {
        var logOnly = PluginFolders.HostPlugins() + "/InnerWarden.Mesh.Enforcers.LogOnly";
        var first = PluginFolders.CopyInto(_dir.Path, logOnly);
        var second = PluginFolders.CopyInto(_dir.Path, logOnly, asName: "ZzCopyOfLogOnly");

        var e = Assert.Throws<PluginLoadException>(() => PluginCatalog.Load(_dir.Path, NullLogger.Instance));

        Assert.Contains("enforcer 'log-only'", e.Message, StringComparison.Ordinal);
        Assert.Contains(first, e.Message, StringComparison.Ordinal);
        Assert.Contains(second, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plugin_whose_constructor_throws_is_an_error_naming_plugin_and_folder()
    {
        var (catalog, folder) = LoadFixture();

        var e = Assert.Throws<PluginLoadException>(() => catalog.Get(PluginKind.Detector, "constructor-bomb"));

        Assert.Equal($"detector 'constructor-bomb' ({folder}) failed to construct: InvalidOperationException: constructor-bomb was constructed", e.Message);
    }

    [Fact]
    public void Plugin_throwing_on_register_is_an_error_naming_plugin_and_folder()
    {
        var (catalog, folder) = LoadFixture();
        var bomb = catalog.Get(PluginKind.Detector, "register-bomb");

        var e = Assert.Throws<PluginLoadException>(() => Register([bomb], TimeProvider.System));

        Assert.Equal($"detector 'register-bomb' ({folder}) failed to register: InvalidOperationException: register-bomb refuses to register", e.Message);
    }

    [Fact]
    public void Plugin_registering_no_service_of_its_kind_is_an_error()
    {
        var (catalog, folder) = LoadFixture();
        var silent = catalog.Get(PluginKind.Enforcer, "silent-enforcer");

        var e = Assert.Throws<PluginLoadException>(() => Register([silent], TimeProvider.System));

        Assert.Equal($"enforcer 'silent-enforcer' ({folder}) registered no IFirewallEnforcer; an enforcer plugin must register one", e.Message);
    }

    [SkippableFact]
    public void Plugin_for_another_OS_is_refused_when_selected_and_skipped_by_TryGet()
    {
        var (catalog, _) = LoadFixture();
        Skip.If(OperatingSystem.IsWindows(), "the fixture plugin claims Windows, so on Windows it is supported");

        var e = Assert.Throws<PluginLoadException>(() => catalog.Get(PluginKind.Enforcer, "windows-only-probe"));

        Assert.Contains("enforcer 'windows-only-probe'", e.Message, StringComparison.Ordinal);
        Assert.Contains("runs on windows", e.Message, StringComparison.Ordinal);
        Assert.False(catalog.TryGet(PluginKind.Enforcer, "windows-only-probe", out _));
        Assert.True(catalog.TryGet(PluginKind.Detector, "isolation-probe", out var probe));
        Assert.Equal("isolation-probe", probe.Name);
    }

    [Fact]
    public void Folder_without_its_own_dll_is_skipped_and_a_corrupt_dll_is_an_error_naming_the_folder()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "Empty"));
        PluginFolders.CopyInto(_dir.Path, PluginFolders.HostPlugins() + "/InnerWarden.Mesh.Enforcers.LogOnly");
        Assert.Single(PluginCatalog.Load(_dir.Path, NullLogger.Instance).Discovered);

        var corrupt = Path.Combine(_dir.Path, "Corrupt");
        Directory.CreateDirectory(corrupt);
        File.WriteAllText(Path.Combine(corrupt, "Corrupt.dll"), "not an assembly");
        var e = Assert.Throws<PluginLoadException>(() => PluginCatalog.Load(_dir.Path, NullLogger.Instance));

        Assert.StartsWith($"plugin folder {corrupt} failed to load Corrupt.dll:", e.Message, StringComparison.Ordinal);
    }
}

using InnerWarden.Mesh.Host.Plugins;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>What a caller composing several nodes in one process (demo, tests) may override.</summary>
/// <param name="Time">The clock; the system clock when null.</param>
/// <param name="LoggerFactory">Where logs go; a no-op factory when null.</param>
/// <param name="Bind">Replaces the config's <c>bind</c> (e.g. <c>127.0.0.1:0</c>).</param>
/// <param name="Catalogs">Where loaded plugin catalogs are cached; <see cref="PluginCatalogCache.Shared"/> when null.</param>
internal sealed record NodeCompositionOptions(
    TimeProvider? Time = null,
    ILoggerFactory? LoggerFactory = null,
    string? Bind = null,
    PluginCatalogCache? Catalogs = null);

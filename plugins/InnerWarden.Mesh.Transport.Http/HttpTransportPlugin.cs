using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Http;

/// <summary>The <c>http</c> transport: Kestrel inbound, HttpClient outbound, JSON for original nodes and MessagePack for ours.</summary>
[MeshPlugin(PluginKind.Transport, "http", MeshAbi.Version)]
public sealed class HttpTransportPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => HttpTransportOptions.Definitions;

    /// <inheritdoc />
    public IReadOnlyList<PluginSettingProblem> CheckSettings(PluginSettingValues values) => HttpTransportOptions.Check(values);

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Read now so a bad setting fails the start with its name, not the first request.
        var options = HttpTransportOptions.FromSettings(context.Settings);
        services.AddSingleton<IMeshTransport>(provider => new HttpMeshTransport(
            options,
            provider.GetRequiredService<NodeSettings>(),
            provider.GetRequiredService<IPrivateDataFiles>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>()));
    }
}

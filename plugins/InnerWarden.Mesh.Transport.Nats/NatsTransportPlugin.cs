using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Transport.Nats;

/// <summary>The <c>nats</c> transport: signals relayed by a NATS cluster through one JetStream stream, each node catching up through its own consumer.</summary>
[MeshPlugin(PluginKind.Transport, "nats", MeshAbi.Version)]
public sealed class NatsTransportPlugin : IMeshPlugin
{
    /// <inheritdoc />
    public IReadOnlyList<PluginSettingDefinition> Settings => NatsTransportOptions.Definitions;

    /// <inheritdoc />
    public IReadOnlyList<PluginSettingProblem> CheckSettings(PluginSettingValues values) => NatsTransportOptions.Check(values);

    /// <inheritdoc />
    public void Register(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Read now so a bad setting fails the start with its name, not the first connection.
        var options = NatsTransportOptions.FromSettings(context.Settings);
        services.AddSingleton<IMeshTransport>(provider => new NatsMeshTransport(
            options,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>()));
    }
}

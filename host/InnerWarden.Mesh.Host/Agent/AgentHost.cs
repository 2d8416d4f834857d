using InnerWarden.Mesh.Host.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary><c>innerwarden agent</c>: runs the node on the generic host until SIGINT/SIGTERM (systemd-aware).</summary>
internal static class AgentHost
{
    /// <summary>Runs the agent; returns the process exit code. A disabled mesh exits 0 with a hint.</summary>
    public static async Task<int> RunAsync(MeshConfig config, ConfigLocation location, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (!config.Enabled)
        {
            await stdout.WriteLineAsync($"mesh is disabled in {location.ConfigPath}; nothing to run.");
            await stdout.WriteLineAsync("enable it with: innerwarden mesh enable");
            return 0;
        }
        using var host = Build(config, location.DataDirectoryFor(config));
        await host.RunAsync(cancellationToken);
        return 0;
    }

    /// <summary>The generic host with console logging (timestamps; journald format under systemd) and the node service.</summary>
    internal static IHost Build(MeshConfig config, string dataDirectory)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // Configuration comes from mesh.yaml only; no appsettings.json or command-line binding.
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.Logging.SetMinimumLevel(config.LogLevel);
        // Under systemd: Type=notify readiness, journald-friendly log format, SIGTERM as graceful stop.
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService(sp => new MeshNodeService(
            config,
            dataDirectory,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<ILogger<MeshNodeService>>()));
        return builder.Build();
    }
}

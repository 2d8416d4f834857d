using InnerWarden.Mesh.Host.Cli;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary><c>innerwarden agent</c>: runs the node on the generic host until SIGINT/SIGTERM (systemd-aware).</summary>
internal static class AgentHost
{
    /// <summary>
    /// Runs the agent; returns the process exit code: 0 after a stop signal at any moment of start-up or shutdown, else
    /// the code of <see cref="AgentStartFailure"/> with its one line on <paramref name="stderr"/>. A disabled mesh exits
    /// 0 with a hint, or, under a service manager waiting for readiness (Type=notify), reports ready and idles until
    /// stopped, so systemd does not restart it in a loop.
    /// </summary>
    public static async Task<int> RunAsync(MeshConfig config, ConfigLocation location, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(stderr);
        // Cancelled by a stop signal (StopSignals, registered in Program before the config is read).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (stop.IsCancellationRequested)
        {
            return 0;
        }
        if (!config.Enabled)
        {
            return await IdleDisabledAsync(location, stdout, stop.Token);
        }
        var dataDirectory = location.DataDirectoryFor(config);
        // Before anything touches the firewall (the `auto` probe initialises enforcers): one agent per data directory.
        using var dataLock = DataDirectoryLock.TryAcquire(dataDirectory, out var refused);
        if (dataLock is null)
        {
            await stderr.WriteLineAsync($"innerwarden: {refused}");
            return 1;
        }
        var host = Build(config, dataDirectory);
        try
        {
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            try
            {
                await host.StartAsync(stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                await StopQuietlyAsync(host);
                return 0;
            }
#pragma warning disable CA1031 // Any failure of the start becomes one line and an exit code (AgentStartFailure), never a crash.
            catch (Exception e)
#pragma warning restore CA1031
            {
                var failure = AgentStartFailure.Describe(e, config, location);
                await ReportAsync(stderr, failure, e, config);
                await StopQuietlyAsync(host);
                return failure.ExitCode;
            }
            try
            {
                await host.WaitForShutdownAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                // A second signal while stopping: the stop already under way finishes below.
            }
            return 0;
        }
        finally
        {
            await DisposeQuietlyAsync(host);
        }
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
        // A quiet journal: no framework line per request, no repeated lifetime lines; debug brings them back.
        JournalFilters.Apply(builder.Logging, config.LogLevel);
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

    private static async Task<int> IdleDisabledAsync(ConfigLocation location, TextWriter stdout, CancellationToken stop)
    {
        await stdout.WriteLineAsync($"mesh is disabled in {location.ConfigPath}; nothing to run.");
        await stdout.WriteLineAsync("enable it with: innerwarden mesh enable");
        var notifier = new SystemdNotifier();
        if (!notifier.IsEnabled)
        {
            return 0;
        }
        // Type=notify: exiting without READY=1 is a failed start to systemd, which restarts the unit every few seconds.
        notifier.Notify(ServiceState.Ready);
        await stdout.WriteLineAsync("idling until stopped (the service manager is told this node is ready)");
        await stdout.FlushAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
            notifier.Notify(ServiceState.Stopping);
        }
        return 0;
    }

    private static async Task ReportAsync(TextWriter stderr, AgentStartFailure failure, Exception exception, MeshConfig config)
    {
        await stderr.WriteLineAsync($"innerwarden: {failure.Message}");
        if (config.LogLevel <= LogLevel.Debug)
        {
            await stderr.WriteLineAsync(exception.ToString());
        }
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await host.StopAsync(timeout.Token);
        }
#pragma warning disable CA1031 // Stopping a host whose start failed: what failed was reported; a second report of the same would be noise.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static async Task DisposeQuietlyAsync(IHost host)
    {
        try
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }
#pragma warning disable CA1031 // Disposal after a stop: the node's parts log their own failures.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}

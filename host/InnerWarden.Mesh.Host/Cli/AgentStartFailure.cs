using System.Globalization;
using System.Net.Sockets;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Host.Config;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Ownership;
using InnerWarden.Mesh.Host.Plugins;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>
/// What an operator reads when the node cannot start: one line naming the value, where it came from and what to do,
/// and the exit code (2: the config or the way the agent is run; 1: the machine), instead of a stack trace. The
/// stack trace is for <c>log_level: debug</c>.
/// </summary>
/// <param name="Message">The line, without the <c>innerwarden:</c> prefix.</param>
/// <param name="ExitCode">2 for configuration or usage, 1 for an operational failure.</param>
internal sealed record AgentStartFailure(string Message, int ExitCode)
{
    private const int CapNetAdmin = 12;
    private const int CapNetBindService = 10;

    /// <summary>Describes <paramref name="exception"/>, which ended the node's start.</summary>
    public static AgentStartFailure Describe(Exception exception, MeshConfig config, ConfigLocation location)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(location);
        foreach (var e in Chain(exception))
        {
            switch (e)
            {
                case SocketException socket when Bind(socket, config, location) is { } bind:
                    return bind;
                case FileAccessException access:
                    return new($"{access.Message}{(access.Fix is null ? "" : "; fix it with: " + access.Fix)}", CliOutput.UsageError);
                case IdentityException identity:
                    return new(identity.Message, CliOutput.UsageError);
                case EnforcerException enforcer:
                    return Enforcer(enforcer, config, location);
                case PluginLoadException plugin:
                    return new(plugin.Message, CliOutput.Failure);
                default:
                    break;
            }
        }
        return new($"the node failed to start: {exception.GetType().Name}: {exception.Message} (log_level: debug prints the stack trace)", CliOutput.Failure);
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }

    private static AgentStartFailure? Bind(SocketException socket, MeshConfig config, ConfigLocation location)
    {
        var port = config.Bind.LastIndexOf(':') is var colon and > 0 && int.TryParse(config.Bind.AsSpan(colon + 1), CultureInfo.InvariantCulture, out var p) ? p : -1;
        var host = port >= 0 ? config.Bind[..config.Bind.LastIndexOf(':')].Trim('[', ']') : config.Bind;
        return socket.SocketErrorCode switch
        {
            SocketError.AddressNotAvailable => new(
                At(location, "bind", $"{config.Bind}: this host has no address {host}; set bind to one of its addresses (ip -brief address) or 0.0.0.0"), CliOutput.UsageError),
            SocketError.AccessDenied when port is > 0 and < 1024 && !HasCapability(CapNetBindService) => new(
                At(location, "bind", $"{config.Bind}: port {port} is below 1024 and user {FileAccessException.Caller()} lacks CAP_NET_BIND_SERVICE; use a port from 1024 (the default is 8790) or grant the capability (AmbientCapabilities=CAP_NET_BIND_SERVICE in the unit)"),
                CliOutput.UsageError),
            SocketError.AccessDenied => new(At(location, "bind", $"{config.Bind}: permission denied: {socket.Message}"), CliOutput.UsageError),
            SocketError.AddressAlreadyInUse => new(
                At(location, "bind", $"{config.Bind}: the port is in use by another process (ss -ltnp 'sport = :{port}' shows which); stop it or choose another port"), CliOutput.Failure),
            _ => null,
        };
    }

    private static AgentStartFailure Enforcer(EnforcerException enforcer, MeshConfig config, ConfigLocation location)
    {
        var name = config.Plugins.Enforcer;
        if (enforcer.Message.Contains("Operation not permitted", StringComparison.OrdinalIgnoreCase) && !HasCapability(CapNetAdmin))
        {
            return new(
                At(location, "plugins.enforcer", $"{name}: user {FileAccessException.Caller()} lacks CAP_NET_ADMIN, which changing the firewall needs; run the agent as the packaged unit does (AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW), as root, or with enforcer: log-only ({FirstLine(enforcer.Message)})"),
                CliOutput.UsageError);
        }
        return new(At(location, "plugins.enforcer", $"{name}: {FirstLine(enforcer.Message)}"), CliOutput.Failure);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd();

    // The problem at the key's file:line:col when the agent's config file holds the key (else the key alone: a default).
    private static string At(ConfigLocation location, string key, string problem)
    {
        try
        {
            var loaded = MeshConfigLoader.Read(location);
            return loaded.Source.Contains(key) ? loaded.Source.AtValue(key, problem).ToString() : $"{key}: {problem}";
        }
        catch (Exception e) when (e is ConfigException or FileAccessException or IOException)
        {
            return $"{key}: {problem}";
        }
    }

    // CapEff in /proc/self/status: a hex mask of the capabilities this process can use now.
    private static bool HasCapability(int bit)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return line is not null && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
                && (mask & (1UL << bit)) != 0;
        }
        catch (IOException)
        {
            return true;
        }
    }
}

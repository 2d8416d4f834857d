using System.Net;
using System.Net.Sockets;
using InnerWarden.Mesh.Contracts.Plugins;

namespace InnerWarden.Mesh.Enforcers.Commands;

/// <summary>Settings every command-driven enforcer reads from its <c>plugin_settings</c> section, and address helpers they share.</summary>
/// <param name="NetworkNamespace">Setting <c>netns</c>: run every command inside this network namespace. Used by the namespace tests and benchmarks; leave unset in production.</param>
/// <param name="CommandTimeout">Setting <c>command_timeout_secs</c>: bound on one firewall command.</param>
public sealed record EnforcerSettings(string? NetworkNamespace, TimeSpan CommandTimeout)
{
    /// <summary>The largest element timeout handed to the kernel: ipset's limit (about 24.8 days), also safe for nft.</summary>
    public static readonly TimeSpan MaxElementTimeout = TimeSpan.FromSeconds(2_147_483);

    /// <summary>The shared keys, part of each command-driven enforcer's declaration (<see cref="IMeshPlugin.Settings"/>).</summary>
    public static IReadOnlyList<PluginSettingDefinition> Definitions { get; } =
    [
        PluginSettingDefinition.Text("netns", null, "run every firewall command inside this network namespace (for the namespace tests and benchmarks; leave unset in production)"),
        PluginSettingDefinition.WholeNumber("command_timeout_secs", (long)ProcessCommandRunner.DefaultTimeout.TotalSeconds, 1, 3600,
            "bound on each nft/ipset/iptables run, in seconds"),
    ];

    /// <summary>The shared rule a plain text cannot declare: a namespace name iproute2 accepts.</summary>
    public static IReadOnlyList<PluginSettingProblem> Check(PluginSettingValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        // Passed as one argument to `ip netns exec`, but keep it to the characters iproute2 accepts in names.
        return values.GetText("netns") is { Length: > 0 } ns && (ns.Length > 64 || !ns.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            ? [new PluginSettingProblem("netns", $"expected a network namespace name (letters, digits, '-', '_', '.'; at most 64), got '{ns}'")]
            : [];
    }

    /// <summary>Reads the shared settings from values checked against a declaration that includes <see cref="Definitions"/>.</summary>
    public static EnforcerSettings From(PluginSettingValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new EnforcerSettings(values.GetText("netns") is { Length: > 0 } ns ? ns : null, TimeSpan.FromSeconds(values.GetWholeNumber("command_timeout_secs")));
    }

    /// <summary>Reads a section that holds only the shared settings; a bad value throws <see cref="ArgumentException"/> naming the plugin, the key and the value.</summary>
    public static EnforcerSettings Parse(string plugin, IReadOnlyDictionary<string, string> settings) =>
        From(PluginSettingValues.Parse(plugin, Definitions, settings, Check));

    /// <summary>The runner these settings describe.</summary>
    public ICommandRunner CreateRunner() => new ProcessCommandRunner(CommandTimeout, NetworkNamespace);

    /// <summary>
    /// The address as the kernel sees it: IPv4-mapped IPv6 becomes IPv4 (the v4 set matches it), a scope id is dropped
    /// (a set holds plain addresses).
    /// </summary>
    public static IPAddress Normalize(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4();
        }
        return ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId != 0 ? new IPAddress(ip.GetAddressBytes()) : ip;
    }

    /// <summary>Whole seconds for a kernel timeout: rounded up (a block never ends early), at least 1, at most <see cref="MaxElementTimeout"/>.</summary>
    public static long TimeoutSeconds(TimeSpan ttl)
    {
        if (ttl >= MaxElementTimeout)
        {
            return (long)MaxElementTimeout.TotalSeconds;
        }
        var secs = (long)Math.Ceiling(ttl.TotalSeconds);
        return Math.Max(1, secs);
    }

    /// <summary>The requests with normalized addresses and one entry per address (the last request for an address wins).</summary>
    public static IReadOnlyList<(IPAddress Ip, long TimeoutSecs)> Distinct(IEnumerable<(IPAddress Ip, TimeSpan Ttl)> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var order = new List<IPAddress>();
        var byIp = new Dictionary<IPAddress, long>();
        foreach (var (ip, ttl) in requests)
        {
            var normalized = Normalize(ip);
            if (!byIp.ContainsKey(normalized))
            {
                order.Add(normalized);
            }
            byIp[normalized] = TimeoutSeconds(ttl);
        }
        return order.Select(ip => (ip, byIp[ip])).ToList();
    }

    /// <summary>Normalized addresses, each once, in first-seen order.</summary>
    public static IReadOnlyList<IPAddress> Distinct(IEnumerable<IPAddress> addresses) =>
        addresses.Select(Normalize).Distinct().ToList();
}

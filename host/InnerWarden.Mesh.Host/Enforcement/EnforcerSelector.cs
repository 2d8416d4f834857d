using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Enforcement;

/// <summary>
/// Resolves <c>enforcer: auto</c>: tries the backends in the order their plugins declare (as IPBan does by priority) and takes the
/// first whose <see cref="IFirewallEnforcer.InitializeAsync"/> succeeds, logging why each one before it was
/// skipped. When none works the node still runs, with log-only and a loud warning: it keeps scoring and
/// reporting, but nothing is dropped.
/// </summary>
internal static partial class EnforcerSelector
{
    public const string Auto = "auto";
    public const string LogOnly = "log-only";

    /// <summary>
    /// The candidates <c>auto</c> tries, best first: the installed enforcers that run on this OS and declare an
    /// <see cref="PluginMetadata.AutoPriority"/> above 0, highest first (ties by name, so the order is stable).
    /// The shipped plugins declare Windows Firewall or nftables first, then iptables, and log-only (1) last.
    /// </summary>
    public static IReadOnlyList<string> AutoOrder(IEnumerable<PluginMetadata> installed) =>
        [.. installed
            .Where(p => p.Kind == PluginKind.Enforcer && p.AutoPriority > 0 && p.SupportsCurrentOS())
            .OrderByDescending(p => p.AutoPriority)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => p.Name)];

    /// <summary>
    /// Constructs and initializes each candidate in order; the first that initializes wins. A candidate whose
    /// factory or initialization throws is skipped with the reason. The last resort (log-only) is expected to
    /// succeed; if every candidate fails, the errors are thrown together.
    /// </summary>
    public static async Task<(IFirewallEnforcer Enforcer, string Name, IReadOnlyList<string> Skipped)> SelectAsync(
        IReadOnlyList<(string Name, Func<IFirewallEnforcer> Create)> candidates, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var skipped = new List<string>();
        foreach (var (name, create) in candidates)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var enforcer = create();
                await enforcer.InitializeAsync(ct).ConfigureAwait(false);
                if (name == LogOnly && candidates.Count > 1)
                {
                    if (logger.IsEnabled(LogLevel.Critical))
                    {
                        LogFellBackToLogOnly(logger, string.Join("; ", skipped));
                    }
                }
                else
                {
                    LogSelected(logger, name, skipped.Count);
                }
                return (enforcer, name, skipped);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Any failure of a candidate (missing binary, no privilege, plugin not installed) means "try the next".
                var reason = $"{name}: {e.Message}";
                skipped.Add(reason);
                LogSkipped(logger, name, e.Message);
            }
        }
        throw new EnforcerException($"enforcer auto: no candidate could start ({string.Join("; ", skipped)})");
    }

    [LoggerMessage(EventId = 4400, Level = LogLevel.Debug, Message = "enforcer auto: selected {Enforcer} ({SkippedCount} skipped)")]
    private static partial void LogSelected(ILogger logger, string enforcer, int skippedCount);

    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning, Message = "enforcer auto: skipped {Enforcer}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string enforcer, string reason);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Critical, Message = "enforcer auto: NO FIREWALL BACKEND WORKS, falling back to log-only: blocks are recorded but NOTHING IS DROPPED. Install nftables (or iptables + ipset) and run as root. Skipped: {Reasons}")]
    private static partial void LogFellBackToLogOnly(ILogger logger, string reasons);
}

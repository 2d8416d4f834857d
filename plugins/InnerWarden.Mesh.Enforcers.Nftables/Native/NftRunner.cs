using InnerWarden.Mesh.Enforcers.Commands;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Enforcers.Nftables.Native;

/// <summary>Chooses how the nftables enforcer reaches the kernel: libnftables in process, else the <c>nft</c> process.</summary>
internal static partial class NftRunner
{
    /// <summary>libnftables where it loads; the <c>nft</c> process otherwise, saying why (once, at start).</summary>
    public static ICommandRunner Create(EnforcerSettings settings, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (LibNftables.IsAvailable(out var reason))
        {
            LogLibrary(logger, LibNftables.LibraryName);
            return new LibNftablesRunner(settings.CommandTimeout, settings.NetworkNamespace);
        }
        LogProcess(logger, reason ?? "unknown");
        return settings.CreateRunner();
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Debug, Message = "nftables: talking to the kernel in process through {Library}")]
    private static partial void LogLibrary(ILogger logger, string library);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "nftables: {Reason}; running the nft process for every transaction instead (slower: a process start each)")]
    private static partial void LogProcess(ILogger logger, string reason);
}

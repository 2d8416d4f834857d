using System.Net;

namespace InnerWarden.Mesh.Contracts.Enforcement;

/// <summary>
/// Applies and reverts blocks in one firewall backend, in batches, and lists what it holds. It does not
/// decide what to block. Failures throw <see cref="EnforcerException"/> naming the command and its error.
/// </summary>
public interface IFirewallEnforcer
{
    /// <summary>The backend's name, e.g. <c>nftables</c>.</summary>
    string Name { get; }

    /// <summary>True when <see cref="ListAsync"/> reports per-address dropped packets.</summary>
    bool HasHitCounters { get; }

    /// <summary>
    /// Creates what the backend needs (tables, sets, rules) when missing; leaves everything foreign alone. The host calls
    /// it at start and again at every poll to heal what was removed outside the agent (a flushed ruleset, a deleted set
    /// or rule), so it must be idempotent, cheap when nothing is missing, and log only what it repaired.
    /// </summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Blocks the addresses, as one transaction where the backend allows; re-applying refreshes the TTL.</summary>
    Task ApplyAsync(IReadOnlyList<BlockRequest> blocks, CancellationToken cancellationToken);

    /// <summary>Removes the blocks of these addresses; an address not blocked is not an error.</summary>
    Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken);

    /// <summary>Every block the backend holds now.</summary>
    Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken);
}

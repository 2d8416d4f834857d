namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>What became of an inbound signal; the wire names are docs/protocol.md's <c>action</c> values.</summary>
public enum SignalAction
{
    /// <summary><c>watchlisted</c>: logged, no block.</summary>
    Watchlisted,
    /// <summary><c>blocked_short_ttl</c>: blocked for the short TTL.</summary>
    BlockedShortTtl,
    /// <summary><c>blocked_full</c>: blocked for the full TTL.</summary>
    BlockedFull,
    /// <summary><c>discarded</c>: valid, but weighed too little to stage.</summary>
    Discarded,
    /// <summary><c>duplicate</c>: already received; nothing changed.</summary>
    Duplicate,
    /// <summary><c>rejected</c>: invalid.</summary>
    Rejected,
    /// <summary><c>quarantined</c>: the sender is over its rate or quarantined.</summary>
    Quarantined,
}

/// <summary>Wire names of <see cref="SignalAction"/>.</summary>
public static class SignalActionNames
{
    /// <summary>The docs/protocol.md name, e.g. <c>blocked_short_ttl</c>.</summary>
    public static string ToWire(this SignalAction action) => action switch
    {
        SignalAction.Watchlisted => "watchlisted",
        SignalAction.BlockedShortTtl => "blocked_short_ttl",
        SignalAction.BlockedFull => "blocked_full",
        SignalAction.Discarded => "discarded",
        SignalAction.Duplicate => "duplicate",
        SignalAction.Rejected => "rejected",
        SignalAction.Quarantined => "quarantined",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>Parses a docs/protocol.md action name.</summary>
    public static bool TryParse(string? wire, out SignalAction action)
    {
        foreach (var candidate in Enum.GetValues<SignalAction>())
        {
            if (candidate.ToWire() == wire)
            {
                action = candidate;
                return true;
            }
        }
        action = default;
        return false;
    }
}

using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Transport.Common.Outbox;

/// <summary>One undelivered signal and the end of its delivery window.</summary>
internal sealed record OutboxEntry(ThreatSignal Signal, DateTimeOffset ExpiresAt)
{
    /// <summary>Receivers refuse signals more than an hour old (docs/protocol.md), so retrying longer is pointless.</summary>
    public static readonly TimeSpan AcceptanceWindow = TimeSpan.FromHours(1);

    /// <summary>The window ends at timestamp + min(ttl_secs, 1 h).</summary>
    public static DateTimeOffset ExpiryOf(ThreatSignal signal)
    {
        var ttl = signal.TtlSecs >= (ulong)AcceptanceWindow.TotalSeconds ? AcceptanceWindow : TimeSpan.FromSeconds(signal.TtlSecs);
        return signal.Timestamp.ToDateTimeOffset() + ttl;
    }
}

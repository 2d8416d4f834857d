using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>Whether an address may be acted on, and if not why.</summary>
/// <param name="Reason"><see cref="RejectReason.None"/>, <see cref="RejectReason.PrivateIp"/> or <see cref="RejectReason.Allowlisted"/>.</param>
/// <param name="Detail">Which range, allowlist entry, own address or peer matched; null when none did.</param>
internal readonly record struct AddressVerdict(RejectReason Reason, string? Detail)
{
    /// <summary>True when the address may be blocked.</summary>
    public bool IsBlockable => Reason == RejectReason.None;
}

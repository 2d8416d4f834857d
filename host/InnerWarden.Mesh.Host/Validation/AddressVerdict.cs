// PLACEHOLDER: the signals branch owns this file
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>Whether an address may be blocked (placeholder).</summary>
internal readonly record struct AddressVerdict(RejectReason Reason, string? Detail);

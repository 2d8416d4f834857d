// PLACEHOLDER: the signals branch owns this file
using System.Net;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>The outcome of a validation step (placeholder).</summary>
internal readonly record struct ValidationResult(RejectReason Reason, string? Detail, IPAddress? Ip)
{
    public bool IsValid => Reason == RejectReason.None;
}

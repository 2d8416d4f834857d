using System.Net;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>The outcome of one validation step: a reason code (docs/protocol.md names) and what it was about.</summary>
/// <param name="Reason"><see cref="RejectReason.None"/> when valid.</param>
/// <param name="Detail">Which field or value failed and why; null when valid.</param>
/// <param name="Ip">On success of <see cref="SignalValidator.CheckFields(InnerWarden.Mesh.Contracts.Signals.ThreatSignal)"/>, the parsed and normalized address.</param>
internal readonly record struct ValidationResult(RejectReason Reason, string? Detail, IPAddress? Ip)
{
    /// <summary>True when nothing was wrong.</summary>
    public bool IsValid => Reason == RejectReason.None;

    /// <summary>A passed step, with the address when the step parsed it.</summary>
    public static ValidationResult Ok(IPAddress? ip = null) => new(RejectReason.None, null, ip);

    /// <summary>A failed step.</summary>
    public static ValidationResult Fail(RejectReason reason, string detail) => new(reason, detail, null);
}

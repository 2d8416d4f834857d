// PLACEHOLDER: the signals branch owns this file
using System.Net;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Host.Validation;

/// <summary>Cheap checks of a signal's fields (placeholder).</summary>
internal sealed class SignalValidator(AddressPolicy addresses, TimeProvider time)
{
    public ValidationResult CheckFields(ThreatSignal signal)
    {
        if (!IsHex64(signal.NodeId) || !IsHex64(signal.EvidenceHash) || signal.Detector.Length is 0 or > 64
            || signal.Signature.Length != 88)
        {
            return new ValidationResult(RejectReason.InvalidField, "malformed field", null);
        }
        if (!float.IsFinite(signal.Confidence) || signal.Confidence is < 0 or > 1)
        {
            return new ValidationResult(RejectReason.InvalidConfidence, $"confidence {signal.Confidence}", null);
        }
        if (!IPAddress.TryParse(signal.Ip, out var ip))
        {
            return new ValidationResult(RejectReason.InvalidIp, $"ip `{signal.Ip}` does not parse", null);
        }
        var verdict = addresses.Classify(ip);
        return new ValidationResult(verdict.Reason, verdict.Detail, ip);
    }

    public ValidationResult CheckFreshness(ThreatSignal signal)
    {
        var now = time.GetUtcNow();
        var at = signal.Timestamp.ToDateTimeOffset();
        if (at > now + TimeSpan.FromMinutes(5))
        {
            return new ValidationResult(RejectReason.TimestampTooFarFuture, $"timestamp {signal.Timestamp} is ahead", null);
        }
        if (at < now - TimeSpan.FromHours(1))
        {
            return new ValidationResult(RejectReason.TimestampTooOld, $"timestamp {signal.Timestamp} is old", null);
        }
        return new ValidationResult(RejectReason.None, null, null);
    }

    private static bool IsHex64(string value)
    {
        if (value.Length != 64)
        {
            return false;
        }
        foreach (char c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }
        return true;
    }
}

using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Transport.Nats.Wire;

/// <summary>One stream message as read: the signal, or why it is not one (<see cref="Cause"/> groups the reasons for counting).</summary>
internal readonly record struct DecodedSignal(ThreatSignal? Signal, MalformedCause Cause, string? Detail)
{
    public static DecodedSignal Ok(ThreatSignal signal) => new(signal, MalformedCause.None, null);

    public static DecodedSignal Malformed(MalformedCause cause, string detail) => new(null, cause, detail);
}

namespace InnerWarden.Mesh.Transport.Nats.Wire;

/// <summary>Why a stream message is not a signal; each cause is counted and logged on its own.</summary>
internal enum MalformedCause
{
    /// <summary>It is a signal.</summary>
    None,
    /// <summary>The message has no payload.</summary>
    Empty,
    /// <summary>The payload is over <see cref="SignalCodec.MaxMessageBytes"/>.</summary>
    Oversized,
    /// <summary>The payload is not MessagePack, or not a map (garbage, JSON text, a truncated message).</summary>
    NotMessagePack,
    /// <summary>A MessagePack map, but not a signal: a field missing, of the wrong type, duplicated or too long.</summary>
    WrongFields,
}

/// <summary>Names of <see cref="MalformedCause"/> for logs.</summary>
internal static class MalformedCauseNames
{
    public static string ToName(this MalformedCause cause) => cause switch
    {
        MalformedCause.None => "none",
        MalformedCause.Empty => "empty message",
        MalformedCause.Oversized => "oversized message",
        MalformedCause.NotMessagePack => "not MessagePack",
        MalformedCause.WrongFields => "wrong fields",
        _ => cause.ToString(),
    };
}

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>The outcome of parsing a signal body: the signal, or a reason it could not be read.</summary>
/// <param name="Signal">The parsed signal, null when parsing failed.</param>
/// <param name="Error">Why parsing failed (names the field), null on success.</param>
public readonly record struct SignalParseResult(ThreatSignal? Signal, string? Error)
{
    /// <summary>A successful parse.</summary>
    public static SignalParseResult Ok(ThreatSignal signal) => new(signal, null);

    /// <summary>A failed parse with its reason.</summary>
    public static SignalParseResult Fail(string error) => new(null, error);
}

namespace InnerWarden.Mesh.Detectors.InnerWardenIncidents.Incidents;

/// <summary>
/// Inner Warden incidents carry a severity, not a confidence; this is the documented map (README.md).
/// Info and unknown severities are not attacks worth a block and are skipped.
/// </summary>
internal static class SeverityMap
{
    /// <summary>The confidence for a severity, or null when incidents of that severity are skipped.</summary>
    public static float? ConfidenceFor(string severity) => severity.Trim().ToUpperInvariant() switch
    {
        "CRITICAL" => 0.95f,
        "HIGH" => 0.85f,
        "MEDIUM" => 0.6f,
        "LOW" => 0.3f,
        _ => null,
    };
}

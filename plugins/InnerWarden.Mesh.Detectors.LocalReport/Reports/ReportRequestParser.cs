using System.Text;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;

namespace InnerWarden.Mesh.Detectors.LocalReport.Reports;

/// <summary>
/// Validates one report request, <c>{"ip":"185.220.1.7","detector":"fail2ban_sshd","confidence":0.9,"evidence":"..."}</c>,
/// into a detection. Pure; every rejection names the field and the bad value.
/// </summary>
internal static class ReportRequestParser
{
    /// <summary>Confidence when the request has none.</summary>
    public const float DefaultConfidence = 0.9f;

    /// <summary>Longest evidence accepted, in UTF-8 bytes.</summary>
    public const int MaxEvidenceBytes = 64 * 1024;

    /// <summary>Longest detector name.</summary>
    public const int MaxDetectorLength = 64;

    /// <summary>Parses and validates a request body.</summary>
    /// <returns>Null when valid (and <paramref name="detection"/> is set), else the error for the reply.</returns>
    public static string? TryParse(ReadOnlySpan<byte> body, DateTimeOffset observedAt, out Detection? detection)
    {
        detection = null;
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return $"request is not JSON: {ex.Message}";
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "request must be a JSON object";
            }
            if (!root.TryGetProperty("ip", out var ipElement) || ipElement.ValueKind != JsonValueKind.String)
            {
                return "field 'ip' (string) is required";
            }
            var ipText = ipElement.GetString() ?? "";
            if (!IpAddressText.TryParse(ipText, out var ip, out var ipError))
            {
                return $"field 'ip': {ipError}";
            }
            if (!root.TryGetProperty("detector", out var detectorElement) || detectorElement.ValueKind != JsonValueKind.String)
            {
                return "field 'detector' (string) is required";
            }
            var detector = detectorElement.GetString() ?? "";
            if (!IsValidDetector(detector))
            {
                return $"detector '{Shorten(detector)}' must be 1-{MaxDetectorLength} characters of [a-zA-Z0-9_.:-]";
            }
            var confidence = DefaultConfidence;
            if (root.TryGetProperty("confidence", out var confidenceElement) && confidenceElement.ValueKind != JsonValueKind.Null)
            {
                if (confidenceElement.ValueKind != JsonValueKind.Number || !confidenceElement.TryGetDouble(out var value)
                    || !double.IsFinite(value) || value is < 0 or > 1)
                {
                    return $"confidence '{Shorten(confidenceElement.GetRawText())}' must be a number from 0 to 1";
                }
                confidence = (float)value;
            }
            var evidence = $"local report: {detector}";
            if (root.TryGetProperty("evidence", out var evidenceElement) && evidenceElement.ValueKind != JsonValueKind.Null)
            {
                if (evidenceElement.ValueKind != JsonValueKind.String)
                {
                    return "evidence must be a string";
                }
                evidence = evidenceElement.GetString() ?? "";
                var bytes = Encoding.UTF8.GetByteCount(evidence);
                if (bytes > MaxEvidenceBytes)
                {
                    return $"evidence is {bytes} bytes; at most {MaxEvidenceBytes} are accepted";
                }
            }
            detection = new Detection(ip, detector, confidence, evidence, observedAt);
            return null;
        }
    }

    /// <summary>True for 1-64 characters of <c>[a-zA-Z0-9_.:-]</c>.</summary>
    public static bool IsValidDetector(string detector)
    {
        if (detector.Length is 0 or > MaxDetectorLength)
        {
            return false;
        }
        foreach (var c in detector)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "...");
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Detections;

namespace InnerWarden.Mesh.Detectors.InnerWardenIncidents.Incidents;

/// <summary>
/// Turns one line of Inner Warden's <c>incidents-YYYY-MM-DD.jsonl</c> into detections: one per distinct
/// <c>{"type":"ip"}</c> entity. Pure; a malformed line is an error message, never an exception.
/// </summary>
internal static class IncidentLineParser
{
    /// <summary>Longest detector name taken from an incident_id.</summary>
    public const int MaxDetectorLength = 64;

    /// <summary>Parses <paramref name="line"/>, appending its detections to <paramref name="output"/>.</summary>
    /// <returns>Null on success (including a line that yields nothing, such as an info incident), else why the line is malformed.</returns>
    public static string? Parse(string line, DateTimeOffset observedAt, List<Detection> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return $"not JSON ({ex.Message})";
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "not a JSON object";
            }
            if (!TryGetString(root, "incident_id", out var incidentId) || incidentId.Length == 0)
            {
                return "missing string field incident_id";
            }
            var colon = incidentId.IndexOf(':', StringComparison.Ordinal);
            var detector = colon < 0 ? incidentId : incidentId[..colon];
            if (!IsValidDetector(detector))
            {
                return $"incident_id '{Shorten(incidentId)}' does not start with a detector name ([a-zA-Z0-9_.-], 1-{MaxDetectorLength} characters)";
            }
            if (!TryGetString(root, "severity", out var severity))
            {
                return "missing string field severity";
            }
            if (!root.TryGetProperty("entities", out var entities) || entities.ValueKind != JsonValueKind.Array)
            {
                return "missing array field entities";
            }
            if (SeverityMap.ConfidenceFor(severity) is not { } confidence)
            {
                return null;
            }
            var evidence = EvidenceOf(root);
            var seen = new HashSet<IPAddress>();
            foreach (var entity in entities.EnumerateArray())
            {
                if (entity.ValueKind != JsonValueKind.Object
                    || !TryGetString(entity, "type", out var type)
                    || !type.Equals("ip", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (!TryGetString(entity, "value", out var value) || !IPAddress.TryParse(value, out var ip))
                {
                    return $"ip entity value '{Shorten(entity.GetRawText())}' is not an IP address";
                }
                if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.IsIPv4MappedToIPv6)
                {
                    ip = ip.MapToIPv4();
                }
                if (seen.Add(ip))
                {
                    output.Add(new Detection(ip, detector, confidence, evidence, observedAt));
                }
            }
            return null;
        }
    }

    private static string EvidenceOf(JsonElement root)
    {
        if (root.TryGetProperty("evidence", out var evidence) && evidence.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            return evidence.GetRawText();
        }
        if (TryGetString(root, "summary", out var summary))
        {
            return summary;
        }
        return TryGetString(root, "title", out var title) ? title : "";
    }

    private static bool TryGetString(JsonElement element, string name, out string value)
    {
        if (element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String)
        {
            value = property.GetString() ?? "";
            return true;
        }
        value = "";
        return false;
    }

    private static bool IsValidDetector(string detector)
    {
        if (detector.Length is 0 or > MaxDetectorLength)
        {
            return false;
        }
        foreach (var c in detector)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "...");
}

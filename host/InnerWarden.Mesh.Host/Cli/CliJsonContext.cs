using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>Source-generated JSON for the <c>--json</c> forms of status, peers and blocks.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(IReadOnlyList<PeerRow>))]
[JsonSerializable(typeof(IReadOnlyList<BlockRow>))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>
    /// What the commands print with: the default encoder escapes '+' (as in <c>+00:00</c>) and other characters HTML
    /// would mind as <c>\u002B</c>, which helps no terminal or jq; this output is never embedded in a page.
    /// </summary>
    public static CliJsonContext Cli { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>A score or trust as the JSON forms carry it: 4 decimals, enough to compare and without float noise.</summary>
    public static double Round(double value) => Math.Round(value, 4, MidpointRounding.ToEven);

    /// <inheritdoc cref="Round(double)"/>
    public static double? Round(double? value) => value is { } v ? Round(v) : null;
}

using System.Text.Json.Serialization;

namespace InnerWarden.Mesh.Host.Audit;

/// <summary>Source-generated JSON for audit lines: snake_case, compact, nulls omitted.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditRecord))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;

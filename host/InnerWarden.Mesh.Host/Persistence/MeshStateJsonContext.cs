using System.Text.Json.Serialization;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>Source-generated JSON for <c>mesh-state.json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(MeshState))]
internal sealed partial class MeshStateJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary>Source-generated JSON for the <c>--json</c> forms of status, peers and blocks.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(IReadOnlyList<PeerRow>))]
[JsonSerializable(typeof(IReadOnlyList<BlockRow>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

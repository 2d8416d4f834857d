using System.Buffers;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Transport;

namespace InnerWarden.Mesh.Transport.Http.Wire;

/// <summary>
/// <c>GET /mesh/ping</c>'s JSON: the original's four fields plus <c>encodings</c>, which the original neither sends
/// nor minds. A reply without <c>"msgpack"</c> in <c>encodings</c> comes from a node that reads only JSON.
/// </summary>
internal static class PingReplyJson
{
    public static byte[] Write(NodeStatus status)
    {
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("node_id", status.NodeId);
            writer.WriteString("version", status.Version);
            writer.WriteNumber("uptime_secs", status.UptimeSecs);
            writer.WriteNumber("staged_count", status.StagedCount);
            writer.WriteStartArray("encodings");
            writer.WriteStringValue(MediaTypes.JsonName);
            writer.WriteStringValue(MediaTypes.MessagePackName);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a peer's ping reply; null (with the reason) when it is not one.</summary>
    public static PeerPingReply? Parse(ReadOnlySpan<byte> utf8, out string? error)
    {
        error = null;
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "ping reply is not a JSON object";
                return null;
            }
            if (!root.TryGetProperty("node_id", out var nodeId) || nodeId.ValueKind != JsonValueKind.String)
            {
                error = "ping reply has no string `node_id`";
                return null;
            }
            string version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
            ulong uptime = root.TryGetProperty("uptime_secs", out var u) && u.TryGetUInt64(out var up) ? up : 0;
            ulong staged = root.TryGetProperty("staged_count", out var s) && s.TryGetUInt64(out var st) ? st : 0;
            bool msgpack = false;
            if (root.TryGetProperty("encodings", out var encodings) && encodings.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in encodings.EnumerateArray())
                {
                    msgpack |= item.ValueKind == JsonValueKind.String && item.ValueEquals(MediaTypes.MessagePackName);
                }
            }
            return new PeerPingReply(nodeId.GetString() ?? "", version, uptime, staged, msgpack);
        }
        catch (JsonException ex)
        {
            error = "ping reply is not JSON: " + ex.Message;
            return null;
        }
    }
}

using InnerWarden.Mesh.Transport.Common.Wire;

namespace InnerWarden.Mesh.Transport.Http.Wire;

/// <summary>The body encodings a mesh node speaks and how they are named on the wire.</summary>
internal static class MediaTypes
{
    public const string Json = "application/json";
    public const string MessagePack = "application/x-msgpack";

    /// <summary>Encoding names as <c>SignalOrigin.Encoding</c>, <c>PeerLinkStatus.Encoding</c> and the ping's <c>encodings</c> use them.</summary>
    public const string JsonName = "json";
    public const string MessagePackName = MessagePackSignal.EncodingName;

    /// <summary>Which encoding a Content-Type or Accept value names, ignoring parameters such as charset; null when neither.</summary>
    public static string? EncodingOf(string? mediaType)
    {
        if (string.IsNullOrEmpty(mediaType))
        {
            return null;
        }
        foreach (var part in mediaType.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var type = part.Split(';', 2)[0].Trim();
            if (type.Equals(Json, StringComparison.OrdinalIgnoreCase))
            {
                return JsonName;
            }
            if (type.Equals(MessagePack, StringComparison.OrdinalIgnoreCase)
                || type.Equals("application/msgpack", StringComparison.OrdinalIgnoreCase)
                || type.Equals("application/vnd.msgpack", StringComparison.OrdinalIgnoreCase))
            {
                return MessagePackName;
            }
        }
        return null;
    }
}

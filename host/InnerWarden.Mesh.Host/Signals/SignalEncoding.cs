using System.Buffers;

namespace InnerWarden.Mesh.Host.Signals;

/// <summary>
/// Decoding of a signal's hex and base64 fields without allocating, shared by validation and verification
/// so both agree on what a well-formed field is.
/// </summary>
internal static class SignalEncoding
{
    /// <summary>Characters in a node_id or evidence_hash.</summary>
    public const int HexLength = 64;

    /// <summary>Bytes in an Ed25519 signature.</summary>
    public const int SignatureLength = 64;

    /// <summary>Characters in a padded base64 64-byte signature.</summary>
    public const int SignatureBase64Length = 88;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>True when <paramref name="text"/> is exactly 64 characters of 0-9a-f.</summary>
    public static bool IsLowerHex64(string? text) =>
        text is not null && text.Length == HexLength && !text.AsSpan().ContainsAnyExcept(LowerHex);

    /// <summary>Decodes 64 hex characters (either case) into 32 bytes.</summary>
    public static bool TryDecodeHex32(string? text, Span<byte> destination)
    {
        if (text is null || text.Length != HexLength || destination.Length < HexLength / 2)
        {
            return false;
        }
        var status = Convert.FromHexString(text, destination[..(HexLength / 2)], out int consumed, out int written);
        return status == OperationStatus.Done && consumed == HexLength && written == HexLength / 2;
    }

    /// <summary>
    /// Decodes a signature: standard base64 with padding of exactly 64 bytes, in its one canonical spelling.
    /// .NET's decoder skips whitespace and ignores the unused low bits of the last character, so without the
    /// re-encoding check one signature could be spelt many ways and slip past dedup keyed on its text.
    /// </summary>
    public static bool TryDecodeSignature(string? text, Span<byte> destination)
    {
        if (text is null || text.Length != SignatureBase64Length || destination.Length < 64)
        {
            return false;
        }
        var bytes = destination[..64];
        if (!Convert.TryFromBase64String(text, bytes, out int written) || written != 64)
        {
            return false;
        }
        Span<char> canonical = stackalloc char[SignatureBase64Length];
        return Convert.TryToBase64Chars(bytes, canonical, out int chars)
            && chars == SignatureBase64Length
            && canonical.SequenceEqual(text);
    }
}

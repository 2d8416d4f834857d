using System.Globalization;
using System.Text;

namespace InnerWarden.Mesh.Contracts.Diagnostics;

/// <summary>
/// Text that came from outside (a network body, a header, a log file line) made safe for a journal or audit line:
/// control characters and line breaks escaped (so a value cannot forge a line, move the cursor or clear a terminal)
/// and the length bounded (so a value cannot fill the journal). Plugins use it for every such value they log.
/// </summary>
public static class LogText
{
    // Everything Bounded rewrites: C0 controls, DEL and C1 controls, the backslash and the two Unicode line breaks.
    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(BuildUnsafe());

    /// <summary>Characters of a value kept in a log line before it is cut with "...".</summary>
    public const int DefaultMaxLength = 256;

    /// <summary>
    /// <paramref name="text"/> with each control character (C0, DEL, C1, and the Unicode line and paragraph separators)
    /// written as <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c>, and a backslash as <c>\\</c>, cut to
    /// <paramref name="maxLength"/> characters of the original followed by <c>...</c>. Null is written as an empty text.
    /// </summary>
    public static string Bounded(string? text, int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        bool cut = text.Length > maxLength;
        var kept = cut ? text.AsSpan(0, maxLength) : text.AsSpan();
        if (!cut && kept.IndexOfAny(Unsafe) < 0)
        {
            return text;
        }
        var builder = new StringBuilder(kept.Length + 16);
        foreach (char c in kept)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                default:
                    if (IsUnsafe(c))
                    {
                        builder.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        if (cut)
        {
            builder.Append("...");
        }
        return builder.ToString();
    }

    private static bool IsUnsafe(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';

    private static string BuildUnsafe()
    {
        var chars = new StringBuilder();
        for (int c = 0; c < 0x20; c++)
        {
            chars.Append((char)c);
        }
        for (int c = 0x7f; c <= 0x9f; c++)
        {
            chars.Append((char)c);
        }
        return chars.Append('\\').Append('\u2028').Append('\u2029').ToString();
    }
}

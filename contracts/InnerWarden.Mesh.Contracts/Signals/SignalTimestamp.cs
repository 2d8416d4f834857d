using System.Text;

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>
/// A UTC instant to the nanosecond. <see cref="DateTimeOffset"/> holds only 100 ns ticks, and the
/// signature of a Rust node's signal covers every nanosecond digit, so signals keep this form.
/// </summary>
/// <param name="UnixSeconds">Whole seconds since 1970-01-01T00:00:00Z.</param>
/// <param name="Nanoseconds">Nanoseconds within the second, 0 - 999,999,999.</param>
public readonly record struct SignalTimestamp(long UnixSeconds, int Nanoseconds) : IComparable<SignalTimestamp>, IUtf8SpanFormattable
{
    /// <summary>Longest UTF-8 form: <c>yyyy-MM-ddTHH:mm:ss.fffffffff+00:00</c>.</summary>
    public const int MaxUtf8Length = 35;

    // The calendar's ends, 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the only instants with an RFC 3339 form.
    private static readonly long MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>The instant of a <see cref="DateTimeOffset"/> (exact: ticks are whole multiples of 100 ns).</summary>
    public static SignalTimestamp FromDateTimeOffset(DateTimeOffset value)
    {
        long ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += TimeSpan.TicksPerSecond;
        }
        return new SignalTimestamp(seconds, (int)(remainder * 100));
    }

    /// <summary>The instant as a <see cref="DateTimeOffset"/>, truncated to 100 ns.</summary>
    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(UnixSeconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);

    /// <summary>The form inside the signed bytes: <c>2026-03-27T12:34:56.123456789+00:00</c>.</summary>
    public string ToCanonicalString() => Format(canonical: true);

    /// <summary>The form written in JSON: <c>2026-03-27T12:34:56.123456789Z</c>.</summary>
    public string ToJsonString() => Format(canonical: false);

    /// <summary>
    /// Writes the JSON form as UTF-8, or the canonical (signed) form when <paramref name="format"/> is <c>"C"</c>,
    /// without allocating: the verify and audit paths format one per signal.
    /// </summary>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        bool canonical = format switch
        {
            "" or "J" => false,
            "C" => true,
            _ => throw new FormatException($"timestamp format '{format}' is not 'J' (JSON) or 'C' (canonical)"),
        };
        return TryFormatUtf8(utf8Destination, canonical, out bytesWritten);
    }

    /// <summary>Writes the canonical (<c>+00:00</c>) or JSON (<c>Z</c>) form as UTF-8.</summary>
    public bool TryFormatUtf8(Span<byte> destination, bool canonical, out int bytesWritten)
    {
        bytesWritten = 0;
        // Digits written by hand: a custom DateTime format string costs several times more, and this runs twice
        // per received signal (its canonical bytes and its audit line).
        if (destination.Length < 19 || (uint)Nanoseconds >= 1_000_000_000 || UnixSeconds < MinUnixSeconds || UnixSeconds > MaxUnixSeconds)
        {
            return false; // too small, or a value no parser makes (it has no RFC 3339 form)
        }
        var whole = DateTimeOffset.FromUnixTimeSeconds(UnixSeconds).UtcDateTime;
        WriteDigits(destination[..4], whole.Year);
        destination[4] = (byte)'-';
        WriteDigits(destination.Slice(5, 2), whole.Month);
        destination[7] = (byte)'-';
        WriteDigits(destination.Slice(8, 2), whole.Day);
        destination[10] = (byte)'T';
        WriteDigits(destination.Slice(11, 2), whole.Hour);
        destination[13] = (byte)':';
        WriteDigits(destination.Slice(14, 2), whole.Minute);
        destination[16] = (byte)':';
        WriteDigits(destination.Slice(17, 2), whole.Second);
        int written = 19;
        if (!TryWriteFraction(Nanoseconds, destination[written..], out int fraction))
        {
            return false;
        }
        written += fraction;
        ReadOnlySpan<byte> offset = canonical ? "+00:00"u8 : "Z"u8;
        if (!offset.TryCopyTo(destination[written..]))
        {
            return false;
        }
        bytesWritten = written + offset.Length;
        return true;
    }

    // Zero-padded to the span's length (years are 1-9999, so four digits always suffice).
    private static void WriteDigits(Span<byte> destination, int value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    /// <inheritdoc />
    /// <remarks>Never throws, so a log or error message can always show the value: one without an RFC 3339 form (made
    /// by the constructor, not by a parser) shows as seconds and nanoseconds.</remarks>
    public override string ToString()
    {
        Span<byte> utf8 = stackalloc byte[MaxUtf8Length];
        return TryFormatUtf8(utf8, canonical: false, out int written)
            ? Encoding.UTF8.GetString(utf8[..written])
            : $"{UnixSeconds}s {Nanoseconds}ns";
    }

    /// <inheritdoc />
    public int CompareTo(SignalTimestamp other)
    {
        int bySeconds = UnixSeconds.CompareTo(other.UnixSeconds);
        return bySeconds != 0 ? bySeconds : Nanoseconds.CompareTo(other.Nanoseconds);
    }

    /// <summary>True when <paramref name="left"/> is earlier than <paramref name="right"/>.</summary>
    public static bool operator <(SignalTimestamp left, SignalTimestamp right) => left.CompareTo(right) < 0;

    /// <summary>True when <paramref name="left"/> is not later than <paramref name="right"/>.</summary>
    public static bool operator <=(SignalTimestamp left, SignalTimestamp right) => left.CompareTo(right) <= 0;

    /// <summary>True when <paramref name="left"/> is later than <paramref name="right"/>.</summary>
    public static bool operator >(SignalTimestamp left, SignalTimestamp right) => left.CompareTo(right) > 0;

    /// <summary>True when <paramref name="left"/> is not earlier than <paramref name="right"/>.</summary>
    public static bool operator >=(SignalTimestamp left, SignalTimestamp right) => left.CompareTo(right) >= 0;

    private string Format(bool canonical)
    {
        Span<byte> utf8 = stackalloc byte[MaxUtf8Length];
        if (!TryFormatUtf8(utf8, canonical, out int written))
        {
            throw new InvalidOperationException($"timestamp {UnixSeconds}s {Nanoseconds}ns does not fit {MaxUtf8Length} bytes");
        }
        return Encoding.UTF8.GetString(utf8[..written]);
    }

    // chrono's AutoSi form: nothing for 0, else 3, 6 or 9 digits, the fewest that show every non-zero digit.
    private static bool TryWriteFraction(int nanos, Span<byte> destination, out int written)
    {
        written = 0;
        if (nanos == 0)
        {
            return true;
        }
        var (value, digits) = nanos % 1_000_000 == 0 ? (nanos / 1_000_000, 3)
            : nanos % 1_000 == 0 ? (nanos / 1_000, 6)
            : (nanos, 9);
        if (destination.Length < digits + 1)
        {
            return false;
        }
        destination[0] = (byte)'.';
        WriteDigits(destination.Slice(1, digits), value);
        written = digits + 1;
        return true;
    }

    /// <summary>
    /// Parses RFC 3339 (<c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)</c>, fraction of 1 - 9 digits) and
    /// converts it to UTC. Returns false with a reason for anything else.
    /// </summary>
    public static bool TryParse(string text, out SignalTimestamp value, out string? error) => TryParse(text.AsSpan(), out value, out error);

    /// <inheritdoc cref="TryParse(string, out SignalTimestamp, out string?)"/>
    public static bool TryParse(ReadOnlySpan<char> text, out SignalTimestamp value, out string? error)
    {
        value = default;
        error = null;
        var s = text;
        if (s.Length < 20 || s.Length > 40)
        {
            error = $"timestamp '{Shorten(text)}' is not RFC 3339";
            return false;
        }
        if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':'
            || !TryDigits(s[..4], out int year) || !TryDigits(s.Slice(5, 2), out int month)
            || !TryDigits(s.Slice(8, 2), out int day) || !TryDigits(s.Slice(11, 2), out int hour)
            || !TryDigits(s.Slice(14, 2), out int minute) || !TryDigits(s.Slice(17, 2), out int second))
        {
            error = $"timestamp '{Shorten(text)}' is not RFC 3339";
            return false;
        }
        int pos = 19;
        int nanos = 0;
        if (s[pos] == '.')
        {
            pos++;
            int start = pos;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]))
            {
                pos++;
            }
            int digits = pos - start;
            if (digits is 0 or > 9)
            {
                error = $"timestamp '{Shorten(text)}' has a fraction of {digits} digits (1 to 9 allowed)";
                return false;
            }
            _ = TryDigits(s[start..pos], out nanos);
            for (int i = digits; i < 9; i++)
            {
                nanos *= 10;
            }
        }
        var zone = s[pos..];
        int offsetMinutes;
        if (zone is "Z" or "z")
        {
            offsetMinutes = 0;
        }
        else if (zone.Length == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':'
            && TryDigits(zone.Slice(1, 2), out int oh) && TryDigits(zone.Slice(4, 2), out int om) && oh < 24 && om < 60)
        {
            offsetMinutes = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
        }
        else
        {
            error = $"timestamp '{Shorten(text)}' has no valid UTC offset (Z or ±HH:MM)";
            return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            error = $"timestamp '{Shorten(text)}' is not a valid date and time";
            return false;
        }
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        long unix = (long)(local - DateTime.UnixEpoch).TotalSeconds - offsetMinutes * 60L;
        // An offset can carry a valid local time past the ends of the calendar (9999-12-31T23:59:59-23:59 is in the
        // year 10000 in UTC): such an instant has no UTC form to sign or show, so it is refused here, not thrown later.
        if (unix < MinUnixSeconds || unix > MaxUnixSeconds)
        {
            error = $"timestamp '{Shorten(text)}' is outside the years 0001-9999 in UTC";
            return false;
        }
        value = new SignalTimestamp(unix, nanos);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static string Shorten(ReadOnlySpan<char> text) => text.Length <= 48 ? text.ToString() : string.Concat(text[..48], "...");
}

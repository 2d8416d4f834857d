using System.Globalization;

namespace InnerWarden.Mesh.Contracts.Signals;

/// <summary>
/// A UTC instant to the nanosecond. <see cref="DateTimeOffset"/> holds only 100 ns ticks, and the
/// signature of a Rust node's signal covers every nanosecond digit, so signals keep this form.
/// </summary>
/// <param name="UnixSeconds">Whole seconds since 1970-01-01T00:00:00Z.</param>
/// <param name="Nanoseconds">Nanoseconds within the second, 0 - 999,999,999.</param>
public readonly record struct SignalTimestamp(long UnixSeconds, int Nanoseconds) : IComparable<SignalTimestamp>
{
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
    public string ToCanonicalString() => Format("+00:00");

    /// <summary>The form written in JSON: <c>2026-03-27T12:34:56.123456789Z</c>.</summary>
    public string ToJsonString() => Format("Z");

    /// <inheritdoc />
    public override string ToString() => ToJsonString();

    /// <inheritdoc />
    public int CompareTo(SignalTimestamp other)
    {
        int bySeconds = UnixSeconds.CompareTo(other.UnixSeconds);
        return bySeconds != 0 ? bySeconds : Nanoseconds.CompareTo(other.Nanoseconds);
    }

    private string Format(string offset)
    {
        var whole = DateTimeOffset.FromUnixTimeSeconds(UnixSeconds).UtcDateTime;
        var text = whole.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        return text + FractionDigits(Nanoseconds) + offset;
    }

    // chrono's AutoSi form: nothing for 0, else 3, 6 or 9 digits, the fewest that show every non-zero digit.
    private static string FractionDigits(int nanos)
    {
        if (nanos == 0)
        {
            return "";
        }
        if (nanos % 1_000_000 == 0)
        {
            return "." + (nanos / 1_000_000).ToString("D3", CultureInfo.InvariantCulture);
        }
        if (nanos % 1_000 == 0)
        {
            return "." + (nanos / 1_000).ToString("D6", CultureInfo.InvariantCulture);
        }
        return "." + nanos.ToString("D9", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses RFC 3339 (<c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)</c>, fraction of 1 - 9 digits) and
    /// converts it to UTC. Returns false with a reason for anything else.
    /// </summary>
    public static bool TryParse(string text, out SignalTimestamp value, out string? error)
    {
        value = default;
        error = null;
        var s = text.AsSpan();
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

    private static string Shorten(string text) => text.Length <= 48 ? text : text[..48] + "...";
}

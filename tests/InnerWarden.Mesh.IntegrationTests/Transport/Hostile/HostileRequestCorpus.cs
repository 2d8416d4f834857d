using System.Globalization;
using System.Text;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Transport.Common.Wire;

namespace InnerWarden.Mesh.IntegrationTests.Transport.Hostile;

/// <summary>One request of the corpus: what it is (for the failure message), where it goes, and its bytes.</summary>
/// <param name="Name">Category, case number and mutation, e.g. <c>json#17 field ip = "1.2.3.4\xff"</c>.</param>
/// <param name="Path">The endpoint path.</param>
/// <param name="ContentType">The Content-Type header, or null for none.</param>
/// <param name="Accept">The Accept header, or null for none.</param>
/// <param name="Body">The body bytes.</param>
internal sealed record HostileRequest(string Name, string Path, string? ContentType, string? Accept, byte[] Body);

/// <summary>
/// A checked-in, seeded generator of hostile requests: mutations of a well-formed signal in both encodings and of a
/// batch, byte by byte and field by field, with the values a hostile peer tries (timestamps past the calendar's ends
/// after their offset, bytes that are not UTF-8 inside a string, lone surrogate escapes, control characters, huge and
/// negative numbers, wrong types, deep nesting, duplicate and unknown fields), and odd headers. The base signal's
/// signature belongs to another signal, so no mutation can make an acceptable one: every case must be refused with
/// a 4xx and change nothing. The same seed gives the same corpus on every run.
/// </summary>
internal static class HostileRequestCorpus
{
    public const string JsonType = "application/json";
    public const string MessagePackType = "application/x-msgpack";

    /// <summary>Values a hostile peer puts into a JSON string field (raw JSON text of the value).</summary>
    private static readonly string[] HostileJsonValues =
    [
        "\"9999-12-31T23:59:59-23:59\"", "\"0001-01-01T00:00:00+00:01\"", "\"0000-01-01T00:00:00Z\"", "\"2026-02-30T00:00:00Z\"",
        "\"2026-12-03T12:00:00.1234567890Z\"", "\"2026-12-03T25:00:00Z\"", "\"2026-12-03T12:00:00+24:00\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"a\\ud800b\"", "\"\\udfff\\ud800\"", "\"\\u0000\"", "\"\\u001b[2J\"", "\"a\\rb\\nc\"",
        "\"::ffff:8.8.8.010\"", "\"2a00:1450::8.8.8.07\"", "\"64:ff9b::8.8.8.07\"", "\"010.1.1.1\"", "\"1.2.3.4/32\"",
        "\"fe80::1%eth0\"", "\"[::1]:80\"", "\"127.1\"", "\"0x7f.0.0.1\"", "\"10.1.2.3\"", "\"\"",
        "null", "true", "false", "0", "-1", "1e309", "-1e309", "1.5", "18446744073709551616", "-9223372036854775809",
        "340282356779733661637539395458142568448", "NaN", "[]", "{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "{\"a\":{\"b\":{\"c\":{\"d\":1}}}", "\"" + new string('a', 300) + "\"", "\"" + new string('1', 5000) + "\"",
    ];

    /// <summary>Raw byte sequences spliced inside a JSON string (not UTF-8, overlong, surrogates encoded in UTF-8).</summary>
    private static readonly byte[][] BadUtf8 =
    [
        [0xff], [0xfe], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xc3], [0x00], [0x1b],
    ];

    private static readonly string[] JsonFields = ["node_id", "ip", "detector", "confidence", "evidence_hash", "ttl_secs", "timestamp", "signature"];

    private static readonly string?[] HostileContentTypes =
    [
        null, "", "text/plain", "application/json; charset=utf-16", "application/json;;;", "application/x-msgpack; q=0.1",
        "application/JSON", "*/*", "application/json, application/x-msgpack", new string('a', 2000), "application/%e9",
        "multipart/form-data; boundary=x", "application/json; charset=\"utf-8\"",
    ];

    private static readonly string?[] HostileAccepts =
    [
        null, "", "*/*", "application/x-msgpack", "application/json;q=0", "text/html", new string('b', 1000), "application/x-msgpack, application/json",
    ];

    /// <summary>The whole corpus: <paramref name="count"/> requests split over JSON, MessagePack, batch and header cases.</summary>
    public static IEnumerable<HostileRequest> Generate(ThreatSignal wellFormed, int seed, int count)
    {
        var random = new Random(seed);
        var json = ThreatSignalJson.ToUtf8Bytes(wellFormed);
        var msgpack = MessagePackSignal.ToBytes(wellFormed);
        var batch = MessagePackSignal.BatchToBytes([wellFormed, wellFormed with { Ip = "185.220.9.9" }, wellFormed]);
        for (int i = 0; i < count; i++)
        {
            yield return (i % 20) switch
            {
                < 9 => JsonCase(random, i, json),
                < 15 => MessagePackCase(random, i, msgpack, "/mesh/signal", "msgpack"),
                < 18 => MessagePackCase(random, i, batch, "/mesh/signals", "batch"),
                _ => HeaderCase(random, i, json, msgpack),
            };
        }
    }

    private static HostileRequest JsonCase(Random random, int i, byte[] json)
    {
        var text = Encoding.UTF8.GetString(json);
        switch (random.Next(6))
        {
            case 0:
                {
                    var field = JsonFields[random.Next(JsonFields.Length)];
                    var value = HostileJsonValues[random.Next(HostileJsonValues.Length)];
                    return Json(i, $"field {field} = {Short(value)}", ReplaceField(text, field, value));
                }
            case 1:
                {
                    // Bytes that are not UTF-8 inside a string value.
                    var field = JsonFields[random.Next(JsonFields.Length)];
                    var bad = BadUtf8[random.Next(BadUtf8.Length)];
                    var bytes = SpliceIntoString(json, field, bad, random);
                    return new HostileRequest($"json#{i} bytes {Convert.ToHexString(bad)} inside {field}", "/mesh/signal", JsonType, null, bytes);
                }
            case 2:
                return Json(i, "byte mutations", MutateBytes(random, json));
            case 3:
                {
                    // Structure: a field missing, duplicated or unknown, the object wrapped or cut.
                    var field = JsonFields[random.Next(JsonFields.Length)];
                    return random.Next(5) switch
                    {
                        0 => Json(i, $"without {field}", RemoveField(text, field)),
                        1 => Json(i, $"{field} twice", text.Replace("{", $"{{\"{field}\":{FieldValue(text, field)},", StringComparison.Ordinal)),
                        2 => Json(i, "unknown field", text.Replace("{", "{\"x\\u0000y\":[1,{\"z\":\"\\ud800\"}],", StringComparison.Ordinal)),
                        3 => Json(i, "wrapped in an array", "[" + text + "]"),
                        _ => Json(i, "cut", text[..random.Next(text.Length)]),
                    };
                }
            case 4:
                return Json(i, "trailing data", text + (random.Next(3) switch { 0 => "{}", 1 => "\u0000", _ => "\"\\ud800\"" }));
            default:
                {
                    var field = JsonFields[random.Next(JsonFields.Length)];
                    var value = HostileJsonValues[random.Next(HostileJsonValues.Length)];
                    var mutated = Encoding.UTF8.GetBytes(ReplaceField(text, field, value));
                    return Json(i, $"field {field} = {Short(value)}, then byte mutations", MutateBytes(random, mutated));
                }
        }
    }

    private static HostileRequest MessagePackCase(Random random, int i, byte[] msgpack, string path, string category)
    {
        string what;
        byte[] body;
        switch (random.Next(4))
        {
            case 0:
                what = "byte mutations";
                body = MutateBytes(random, msgpack);
                break;
            case 1:
                {
                    // A string's bytes replaced by bytes that are not UTF-8 (same length, so the framing stays valid).
                    body = (byte[])msgpack.Clone();
                    int at = random.Next(body.Length);
                    var bad = BadUtf8[random.Next(BadUtf8.Length)];
                    Array.Copy(bad, 0, body, at, Math.Min(bad.Length, body.Length - at));
                    what = $"bytes {Convert.ToHexString(bad)} at {at}";
                    break;
                }
            case 2:
                {
                    // Type and length markers that lie: a huge array/map/str length, an ext, a nil, a float64.
                    byte[][] markers =
                    [
                        [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdf, 0x7f, 0xff, 0xff, 0xff], [0xdb, 0xff, 0xff, 0xff, 0xf0], [0xc7, 0xff, 0x01],
                        [0xc0], [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                        [0xc1], [0x92, 0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xce, 0xff, 0xff, 0xff, 0xff],
                        [0x92, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 1, 0x00], [0x92, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
                    ];
                    var marker = markers[random.Next(markers.Length)];
                    int at = random.Next(msgpack.Length);
                    body = [.. msgpack.AsSpan(0, at), .. marker, .. msgpack.AsSpan(at)];
                    what = $"marker {Convert.ToHexString(marker)} at {at}";
                    break;
                }
            default:
                {
                    int cut = random.Next(msgpack.Length);
                    body = msgpack[..cut];
                    what = $"cut at {cut}";
                    break;
                }
        }
        return new HostileRequest($"{category}#{i} {what}", path, MessagePackType, random.Next(4) == 0 ? JsonType : null, body);
    }

    private static HostileRequest HeaderCase(Random random, int i, byte[] json, byte[] msgpack)
    {
        var contentType = HostileContentTypes[random.Next(HostileContentTypes.Length)];
        var accept = HostileAccepts[random.Next(HostileAccepts.Length)];
        string[] paths = ["/mesh/signal", "/mesh/signals", "/mesh/signal/", "/MESH/SIGNAL", "/mesh/signal?x=%ff", "/mesh/%2e%2e/signal", "/mesh/ping"];
        var path = paths[random.Next(paths.Length)];
        var body = random.Next(3) switch { 0 => json, 1 => msgpack, _ => MutateBytes(random, json) };
        return new HostileRequest($"headers#{i} {path} type={Short(contentType ?? "(none)")} accept={Short(accept ?? "(none)")}", path, contentType, accept, body);
    }

    private static HostileRequest Json(int i, string what, string text) => Json(i, what, Encoding.UTF8.GetBytes(text));

    private static HostileRequest Json(int i, string what, byte[] body) => new($"json#{i} {what}", "/mesh/signal", JsonType, null, body);

    private static byte[] MutateBytes(Random random, byte[] source)
    {
        var bytes = new List<byte>(source);
        int mutations = 1 + random.Next(4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2: bytes.RemoveAt(at); break;
                default: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)))); break;
            }
        }
        return [.. bytes];
    }

    private static string ReplaceField(string json, string field, string rawValue)
    {
        var value = FieldValue(json, field);
        return json.Replace($"\"{field}\":{value}", $"\"{field}\":{rawValue}", StringComparison.Ordinal);
    }

    private static string RemoveField(string json, string field)
    {
        var value = FieldValue(json, field);
        var without = json.Replace($"\"{field}\":{value},", "", StringComparison.Ordinal);
        return without.Length != json.Length ? without : json.Replace($",\"{field}\":{value}", "", StringComparison.Ordinal);
    }

    /// <summary>The raw JSON text of a field's value in the compact form <see cref="ThreatSignalJson"/> writes.</summary>
    private static string FieldValue(string json, string field)
    {
        int start = json.IndexOf($"\"{field}\":", StringComparison.Ordinal) + field.Length + 3;
        int end = json[start] == '"' ? json.IndexOf('"', start + 1) + 1 : json.IndexOfAny([',', '}'], start);
        return json[start..end];
    }

    private static byte[] SpliceIntoString(byte[] json, string field, byte[] bad, Random random)
    {
        var text = Encoding.UTF8.GetString(json);
        int start = text.IndexOf($"\"{field}\":", StringComparison.Ordinal) + field.Length + 3;
        if (text[start] != '"')
        {
            // A number field: make it a string holding the bad bytes.
            return [.. json.AsSpan(0, start), (byte)'"', .. bad, (byte)'"', .. json.AsSpan(text.IndexOfAny([',', '}'], start))];
        }
        int end = text.IndexOf('"', start + 1);
        int at = start + 1 + random.Next(end - start);
        return [.. json.AsSpan(0, at), .. bad, .. json.AsSpan(at)];
    }

    private static string Short(string text) =>
        (text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...")).Replace("\u001b", "\\e", StringComparison.Ordinal)
            .ToString(CultureInfo.InvariantCulture);
}

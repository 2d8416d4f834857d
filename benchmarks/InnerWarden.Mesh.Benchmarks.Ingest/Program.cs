using System.Diagnostics;
using System.Globalization;
using InnerWarden.Mesh.Benchmarks.Ingest;
using InnerWarden.Mesh.Detectors.Sshd.Counting;
using InnerWarden.Mesh.Detectors.Files;
using InnerWarden.Mesh.Detectors.Sshd.Parsing;
using Microsoft.Extensions.Logging.Abstractions;

// sshd log ingest: dotnet run -c Release --project benchmarks/InnerWarden.Mesh.Benchmarks.Ingest -- [--lines 2000000 | --file PATH]
var lineCount = 2_000_000;
string? existingLog = null;
const string Usage = "usage: [--lines N (positive whole number) | --file PATH (an existing log to read)]";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--lines" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0)
    {
        lineCount = n;
        i++;
    }
    else if (args[i] == "--file" && i + 1 < args.Length)
    {
        existingLog = args[++i];
        if (!File.Exists(existingLog))
        {
            Console.Error.WriteLine($"--file {existingLog}: no such file");
            return 2;
        }
    }
    else
    {
        Console.Error.WriteLine($"{Usage}; got '{args[i]}'");
        return 2;
    }
}

var dir = Directory.CreateTempSubdirectory("iw-ingest-").FullName;
try
{
    var path = existingLog ?? Path.Combine(dir, "auth.log");
    if (existingLog is null)
    {
        AuthLogGenerator.Write(path, lineCount);
    }
    var size = new FileInfo(path).Length;
    var lines = File.ReadAllLines(path);
    lineCount = lines.Length;
    if (lineCount == 0)
    {
        Console.Error.WriteLine($"--file {path}: the file holds no lines");
        return 2;
    }
    var what = existingLog is null ? "generated lines" : $"lines of {existingLog}";
    Console.WriteLine($"sshd ingest benchmark: {lineCount:N0} {what}, {size / 1048576.0:F1} MiB, {Environment.ProcessorCount} cores, .NET {Environment.Version}");

    // Warm up the JIT on a slice so the first measured run is not the tier-0 one.
    Measure(lines.AsSpan(0, Math.Min(lines.Length, 50_000)).ToArray(), ParseOnly);
    Measure(lines.AsSpan(0, Math.Min(lines.Length, 50_000)).ToArray(), ParseAndCount);

    var rows = new List<(string Name, double Seconds, long Extra)>
    {
        MeasureRow("limit: read file + split lines (follower, no parse)", () => FollowOnly(path)),
        MeasureRow("parse only (in-memory lines)", () => ParseOnly(lines)),
        MeasureRow("parse + window (in-memory lines)", () => ParseAndCount(lines)),
        MeasureRow("file follower + parse + window (end to end)", () => FollowParseAndCount(path)),
    };

    var limit = lineCount / rows[0].Seconds;
    Console.WriteLine();
    Console.WriteLine($"| {"stage",-52} | {"seconds",8} | {"lines/s",12} | {"vs limit",8} | {"result",10} |");
    Console.WriteLine($"|{new string('-', 54)}|{new string('-', 10)}|{new string('-', 14)}|{new string('-', 10)}|{new string('-', 12)}|");
    foreach (var (name, seconds, extra) in rows)
    {
        var rate = lineCount / seconds;
        Console.WriteLine($"| {name,-52} | {seconds,8:F3} | {rate,12:N0} | {rate / limit,8:P0} | {extra,10:N0} |");
    }
    Console.WriteLine("result: lines read / failures recognised / detections emitted. Target: >= 100,000 lines/s end to end.");
    return 0;
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static (string, double, long) MeasureRow(string name, Func<long> run)
{
    var stopwatch = Stopwatch.StartNew();
    var extra = run();
    return (name, stopwatch.Elapsed.TotalSeconds, extra);
}

static long Measure(string[] lines, Func<string[], long> run) => run(lines);

static long ParseOnly(string[] lines)
{
    long failures = 0;
    foreach (var line in lines)
    {
        if (SshdLineParser.TryParse(line, out var parsed) && parsed.Kind is SshdEventKind.CredentialFailure or SshdEventKind.ConnectionFailure)
        {
            failures++;
        }
    }
    return failures;
}

static long ParseAndCount(string[] lines)
{
    var window = new FailureWindow(5, TimeSpan.FromSeconds(300));
    var now = new DateTimeOffset(2026, 3, 27, 0, 0, 0, TimeSpan.Zero);
    long detections = 0;
    for (var i = 0; i < lines.Length; i++)
    {
        if (SshdLineParser.TryParse(lines[i], out var parsed) && window.Record(parsed, lines[i], now.AddTicks(i * TimeSpan.TicksPerMillisecond * 10)) is not null)
        {
            detections++;
        }
    }
    return detections;
}

static long FollowOnly(string path)
{
    using var follower = new FileFollower(() => path, false, SshdLineParser.MaxLineLength, NullLogger.Instance);
    var batch = new List<FollowedLine>();
    long count = 0;
    bool more;
    do
    {
        batch.Clear();
        more = follower.Poll(batch);
        count += batch.Count;
    }
    while (more || batch.Count > 0);
    return count;
}

static long FollowParseAndCount(string path)
{
    using var follower = new FileFollower(() => path, false, SshdLineParser.MaxLineLength, NullLogger.Instance);
    var window = new FailureWindow(5, TimeSpan.FromSeconds(300));
    var start = new DateTimeOffset(2026, 3, 27, 0, 0, 0, TimeSpan.Zero);
    var batch = new List<FollowedLine>();
    long detections = 0;
    long index = 0;
    bool more;
    do
    {
        batch.Clear();
        more = follower.Poll(batch);
        foreach (var line in batch)
        {
            index++;
            if (line.Text is { } text && SshdLineParser.TryParse(text, out var parsed)
                && window.Record(parsed, text, start.AddTicks(index * TimeSpan.TicksPerMillisecond * 10)) is not null)
            {
                detections++;
            }
        }
    }
    while (more || batch.Count > 0);
    return detections;
}

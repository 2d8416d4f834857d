using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Detectors.InnerWardenIncidents;
using InnerWarden.Mesh.Detectors.Files;
using InnerWarden.Mesh.Detectors.InnerWardenIncidents.Incidents;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.InnerWardenIncidents;

public sealed class IncidentsDetectionSourceTests : IDisposable
{
    private const string Incident =
        """{"ts":"2026-03-27T12:34:56Z","host":"web-01","incident_id":"ssh_bruteforce:185.220.1.7:2026-03-27T12:34Z","severity":"high","title":"SSH brute force","summary":"12 failures","evidence":{"failures":12,"users":["root","admin"]},"tags":["ssh"],"entities":[{"type":"ip","value":"185.220.1.7"},{"type":"user","value":"root"},{"type":"ip","value":"2001:470::7"},{"type":"ip","value":"185.220.1.7"}]}""";

    private readonly string _dir = Directory.CreateTempSubdirectory("iw-incidents-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 27, 23, 59, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IncidentsDetectionSource Source(bool startAtEnd = false) =>
        new(new IncidentsOptions(_dir, startAtEnd, TimeSpan.FromSeconds(1)), _time, NullLogger<IncidentsDetectionSource>.Instance);

    private static List<Detection> Drain(IncidentsDetectionSource source, FileFollower follower)
    {
        var lines = new List<FollowedLine>();
        follower.Poll(lines);
        var detections = new List<Detection>();
        foreach (var line in lines)
        {
            source.TryHandle(line, detections);
        }
        return detections;
    }

    [Fact]
    public void Incident_gives_one_detection_per_distinct_ip_entity()
    {
        var detections = new List<Detection>();
        Assert.Null(IncidentLineParser.Parse(Incident, _time.GetUtcNow(), detections));

        Assert.Equal([IPAddress.Parse("185.220.1.7"), IPAddress.Parse("2001:470::7")], detections.Select(d => d.Ip).ToArray());
        Assert.All(detections, d =>
        {
            Assert.Equal("ssh_bruteforce", d.Detector);
            Assert.Equal(0.85f, d.Confidence);
            Assert.Equal("""{"failures":12,"users":["root","admin"]}""", d.Evidence);
            Assert.Equal(_time.GetUtcNow(), d.ObservedAt);
        });
    }

    [Theory]
    [InlineData("critical", 0.95f)]
    [InlineData("HIGH", 0.85f)]
    [InlineData("medium", 0.6f)]
    [InlineData("low", 0.3f)]
    public void Severity_maps_to_the_documented_confidence(string severity, float confidence)
    {
        var detections = new List<Detection>();
        Assert.Null(IncidentLineParser.Parse(Incident.Replace("\"high\"", $"\"{severity}\"", StringComparison.Ordinal), _time.GetUtcNow(), detections));
        Assert.All(detections, d => Assert.Equal(confidence, d.Confidence));
        Assert.NotEmpty(detections);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("whatever")]
    public void Info_and_unknown_severities_are_skipped_without_error(string severity)
    {
        var detections = new List<Detection>();
        Assert.Null(IncidentLineParser.Parse(Incident.Replace("\"high\"", $"\"{severity}\"", StringComparison.Ordinal), _time.GetUtcNow(), detections));
        Assert.Empty(detections);
    }

    [Fact]
    public void Summary_is_the_evidence_when_there_is_no_evidence_field()
    {
        var detections = new List<Detection>();
        const string line = """{"incident_id":"port_scan:1","severity":"medium","summary":"scanned 1000 ports","entities":[{"type":"ip","value":"::ffff:203.0.113.5"}]}""";
        Assert.Null(IncidentLineParser.Parse(line, _time.GetUtcNow(), detections));
        var detection = Assert.Single(detections);
        Assert.Equal(("port_scan", "scanned 1000 ports", IPAddress.Parse("203.0.113.5")), (detection.Detector, detection.Evidence, detection.Ip));
    }

    [Theory]
    [InlineData("{not json", "not JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"severity":"high","entities":[]}""", "incident_id")]
    [InlineData("""{"incident_id":"bad detector!:x","severity":"high","entities":[]}""", "bad detector!")]
    [InlineData("""{"incident_id":"a:b","entities":[]}""", "severity")]
    [InlineData("""{"incident_id":"a:b","severity":"high"}""", "entities")]
    [InlineData("""{"incident_id":"a:b","severity":"high","entities":[{"type":"ip","value":"not-an-ip"}]}""", "not-an-ip")]
    public void Malformed_line_is_an_error_naming_the_problem(string line, string expected)
    {
        var detections = new List<Detection>();
        var error = IncidentLineParser.Parse(line, _time.GetUtcNow(), detections);
        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_and_huge_lines_in_the_file_are_skipped_and_following_continues()
    {
        var path = Path.Combine(_dir, "incidents-2026-03-27.jsonl");
        File.WriteAllText(path, "garbage\n" + new string('x', IncidentsDetectionSource.MaxLineBytes + 10) + "\n" + Incident + "\n");
        var source = Source();
        using var follower = source.CreateFollower();

        var detections = Drain(source, follower);

        Assert.Equal(2, detections.Count);
    }

    [Fact]
    public void Day_rollover_finishes_yesterdays_file_then_follows_the_new_one()
    {
        var yesterday = Path.Combine(_dir, "incidents-2026-03-27.jsonl");
        File.WriteAllText(yesterday, "");
        var source = Source(startAtEnd: true);
        using var follower = source.CreateFollower();
        Assert.Empty(Drain(source, follower));

        // Midnight passes; the new day's file does not exist yet, and a last incident lands in yesterday's.
        _time.Advance(TimeSpan.FromMinutes(2));
        File.AppendAllText(yesterday, Incident.Replace("185.220.1.7", "198.18.0.1", StringComparison.Ordinal) + "\n");
        Assert.Contains(Drain(source, follower), d => d.Ip.Equals(IPAddress.Parse("198.18.0.1")));
        Assert.Equal(yesterday, follower.CurrentPath);

        var today = Path.Combine(_dir, "incidents-2026-03-28.jsonl");
        File.AppendAllText(yesterday, Incident.Replace("185.220.1.7", "198.18.0.2", StringComparison.Ordinal) + "\n");
        File.WriteAllText(today, Incident.Replace("185.220.1.7", "198.18.0.3", StringComparison.Ordinal) + "\n");

        var ips = Drain(source, follower).Select(d => d.Ip.ToString()).ToList();
        Assert.Equal(["198.18.0.2", "2001:470::7", "198.18.0.3", "2001:470::7"], ips);
        Assert.Equal(today, follower.CurrentPath);
    }
}

using InnerWarden.Mesh.Fixtures.Nats;
using InnerWarden.Mesh.Transport.Http.Server;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.Transport.Http;

public sealed class RequestFaultLogTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _logs = new();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public void A_cause_is_written_once_per_minute_with_the_count_of_the_others()
    {
        var faults = new RequestFaultLog(_logs.CreateLogger("test"), _time);

        for (int i = 0; i < 1000; i++)
        {
            faults.Report("/mesh/signal", "127.0.0.1:1", new InvalidOperationException("boom\u001b[2J"));
        }
        _time.Advance(TimeSpan.FromSeconds(59));
        faults.Report("/mesh/signal", "127.0.0.1:1", new InvalidOperationException("boom"));
        Assert.Single(_logs.Lines);

        _time.Advance(TimeSpan.FromSeconds(1));
        faults.Report("/mesh/signal", "127.0.0.1:1", new InvalidOperationException("boom"));

        var lines = _logs.Lines.Select(l => l.Message).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Contains("; 0 more of this cause", lines[0], StringComparison.Ordinal);
        Assert.Contains("boom\\u001b[2J", lines[0], StringComparison.Ordinal);
        Assert.Contains("; 1000 more of this cause", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Each_cause_has_its_own_minute()
    {
        var faults = new RequestFaultLog(_logs.CreateLogger("test"), _time);

        faults.Report("/mesh/signal", "127.0.0.1:1", new InvalidOperationException("a"));
        faults.Report("/mesh/signal", "127.0.0.1:1", new IOException("b"));
        faults.Report("/mesh/signals", "127.0.0.1:1", new InvalidOperationException("c"));
        faults.Report("/mesh/signal", "127.0.0.1:1", new InvalidOperationException("d"));

        Assert.Equal(3, _logs.Lines.Count);
    }
}

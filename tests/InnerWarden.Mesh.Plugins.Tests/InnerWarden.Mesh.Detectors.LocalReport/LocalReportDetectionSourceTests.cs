using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Detectors.LocalReport;
using InnerWarden.Mesh.Detectors.LocalReport.Reports;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Detectors.LocalReport;

public sealed class LocalReportDetectionSourceTests : IAsyncDisposable
{
    // Unix socket paths are limited to ~108 bytes, so keep the directory short.
    private readonly string _dir = Directory.CreateTempSubdirectory("iwr").FullName;
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(30));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));
    private IAsyncEnumerator<Detection>? _detections;

    private string SocketPath => Path.Combine(_dir, LocalReportOptions.SocketFileName);

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        if (_detections is not null)
        {
            try
            {
                await _detections.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
            }
        }
        _cts.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<Task<bool>> StartAsync()
    {
        var source = new LocalReportDetectionSource(LocalReportOptions.Parse(new Dictionary<string, string>(), _dir), _time, NullLogger<LocalReportDetectionSource>.Instance);
        _detections = source.ReadAsync(_cts.Token).GetAsyncEnumerator(_cts.Token);
        var first = _detections.MoveNextAsync().AsTask();
        while (!File.Exists(SocketPath))
        {
            await Task.Delay(10, _cts.Token);
        }
        return first;
    }

    private async Task<JsonElement> SendAsync(string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), _cts.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(request + "\n"), SocketFlags.None, _cts.Token);
        using var reply = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _cts.Token)) > 0)
        {
            reply.Write(buffer, 0, read);
        }
        return JsonDocument.Parse(reply.ToArray()).RootElement.Clone();
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Socket_is_created_owner_only()
    {
        await StartAsync();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
    }

    [Fact]
    public async Task Valid_request_yields_a_detection_and_ok()
    {
        var next = await StartAsync();

        var reply = await SendAsync("""{"ip":"185.220.1.7","detector":"fail2ban_sshd","confidence":0.7,"evidence":"sshd: 6 failures"}""");

        Assert.True(reply.GetProperty("ok").GetBoolean());
        Assert.True(await next);
        Assert.Equal(
            new Detection(IPAddress.Parse("185.220.1.7"), "fail2ban_sshd", 0.7f, "sshd: 6 failures", _time.GetUtcNow()),
            _detections!.Current);
    }

    [Theory]
    [InlineData("""{"ip":"not-an-ip","detector":"x"}""", "not-an-ip")]
    [InlineData("""{"ip":"185.220.1.7","detector":"bad name!"}""", "bad name!")]
    [InlineData("""{"ip":"185.220.1.7","detector":"x","confidence":1.5}""", "confidence")]
    [InlineData("""{"ip":"185.220.1.7"}""", "detector")]
    [InlineData("""nonsense""", "not JSON")]
    public async Task Invalid_request_gets_an_error_reply_and_no_detection(string request, string expected)
    {
        var next = await StartAsync();

        var reply = await SendAsync(request);

        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Contains(expected, reply.GetProperty("error").GetString(), StringComparison.Ordinal);
        // The next valid report is the first detection: the invalid one yielded nothing.
        await SendAsync("""{"ip":"203.0.113.1","detector":"probe"}""");
        Assert.True(await next);
        Assert.Equal(IPAddress.Parse("203.0.113.1"), _detections!.Current.Ip);
        Assert.Equal(ReportRequestParser.DefaultConfidence, _detections.Current.Confidence);
    }

    [Fact]
    public async Task A_silent_client_does_not_block_other_clients()
    {
        var next = await StartAsync();
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await silent.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), _cts.Token);

        var reply = await SendAsync("""{"ip":"185.220.1.7","detector":"x"}""");

        Assert.True(reply.GetProperty("ok").GetBoolean());
        Assert.True(await next);
    }

    [Fact]
    public async Task Stale_socket_file_is_replaced_on_start()
    {
        // A bound socket nobody listens on is what a crashed agent leaves. (Kept undisposed until the end: .NET unlinks
        // the path when it disposes a socket it bound.)
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(SocketPath));
        Assert.True(File.Exists(SocketPath));

        var next = await StartAsync();
        // StartAsync saw the stale file already; wait for the server to answer on the new one.
        JsonElement reply = default;
        for (var attempt = 0; attempt < 500; attempt++)
        {
            try
            {
                reply = await SendAsync("""{"ip":"185.220.1.7","detector":"x"}""");
                break;
            }
            catch (SocketException)
            {
                await Task.Delay(10, _cts.Token);
            }
        }
        Assert.True(reply.GetProperty("ok").GetBoolean());
        Assert.True(await next);
        await _cts.CancelAsync();
        await _detections!.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        _detections = null;
    }

    [Fact]
    public async Task A_regular_file_at_the_socket_path_stops_the_start()
    {
        File.WriteAllText(SocketPath, "not a socket");
        var source = new LocalReportDetectionSource(LocalReportOptions.Parse(new Dictionary<string, string>(), _dir), _time, NullLogger<LocalReportDetectionSource>.Instance);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var unused in source.ReadAsync(_cts.Token))
            {
            }
        });

        Assert.Contains("is not a socket", ex.Message, StringComparison.Ordinal);
        Assert.Equal("not a socket", File.ReadAllText(SocketPath));
    }

    [Fact]
    public void Evidence_over_64_KiB_is_rejected()
    {
        var request = JsonSerializer.SerializeToUtf8Bytes(new { ip = "185.220.1.7", detector = "x", evidence = new string('e', ReportRequestParser.MaxEvidenceBytes + 1) });
        var error = ReportRequestParser.TryParse(request, _time.GetUtcNow(), out var detection);
        Assert.Null(detection);
        Assert.Contains("evidence", error, StringComparison.Ordinal);
    }
}

using System.Runtime.CompilerServices;
using System.Threading.Channels;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Detectors.LocalReport.Reports;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Detectors.LocalReport;

/// <summary>Detections handed in by local tools (fail2ban, CrowdSec, scripts) through <c>innerwarden mesh report</c>.</summary>
internal sealed class LocalReportDetectionSource(LocalReportOptions options, TimeProvider time, ILogger<LocalReportDetectionSource> logger) : IDetectionSource
{
    private const int QueueCapacity = 1024;

    public string Name => "local-report";

    /// <summary>Listens while enumerated; the socket is removed when enumeration ends.</summary>
    public async IAsyncEnumerable<Detection> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<Detection>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
        var server = new ReportSocketServer(options, time, logger, channel.Writer);
        await using (server.ConfigureAwait(false))
        {
            server.Start();
            await foreach (var detection in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return detection;
            }
        }
    }
}

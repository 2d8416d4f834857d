using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.IntegrationTests.Transport;

namespace InnerWarden.Mesh.IntegrationTests.Metrics;

/// <summary>The traffic the metrics tests scrape after, between nodes A and B of a <see cref="TestMesh"/>.</summary>
internal static class MetricsTraffic
{
    /// <summary>
    /// A's detection of 185.220.1.7 (B stages A's signal), a signal for a private address posted to B (rejected,
    /// PrivateIp), and B's own detection of 185.220.1.9 by port_scan (a full block, broadcast to B's peers).
    /// </summary>
    public static async Task SendAsync(TestMesh mesh)
    {
        var a = mesh["A"];
        var b = mesh["B"];
        await a.Node.HandleLocalDetectionAsync(new Detection(IPAddress.Parse("185.220.1.7"), "ssh_bruteforce", 0.92f, "x", DateTimeOffset.UtcNow), CancellationToken.None);
        await TestMesh.WaitUntilAsync(() => b.Node.Snapshot().Staged.Count == 1, "B stages A's signal");
        var (status, _) = await mesh.PostAsync(b, TestMesh.Sign(a.Composed.Parts.Identity, "10.1.2.3"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        await b.Node.HandleLocalDetectionAsync(new Detection(IPAddress.Parse("185.220.1.9"), "port_scan", 0.9f, "y", DateTimeOffset.UtcNow), CancellationToken.None);
        await b.Node.FlushAsync();
        await a.Node.FlushAsync();
    }
}

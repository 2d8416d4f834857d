using System.Net;
using MyPlugin;

namespace MyPlugin.Tests;

public sealed class FileDetectionSourceTests
{
    [Fact]
    public async Task An_address_appended_to_the_file_becomes_a_detection_and_other_lines_are_skipped()
    {
        var path = Path.Combine(Path.GetTempPath(), $"myplugin-{Guid.NewGuid():N}.log");
        await File.WriteAllTextAsync(path, "203.0.113.1\n"); // before start: not reported
        try
        {
            var source = new FileDetectionSource(path, 0.8f, TimeProvider.System);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using var detections = source.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            var next = detections.MoveNextAsync();
            await File.AppendAllTextAsync(path, "not an address\n198.51.100.7\n", cts.Token);
            Assert.True(await next);
            Assert.Equal(IPAddress.Parse("198.51.100.7"), detections.Current.Ip);
            Assert.Equal(0.8f, detections.Current.Confidence);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

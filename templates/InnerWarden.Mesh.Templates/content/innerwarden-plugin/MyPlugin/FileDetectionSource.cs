using System.Net;
using System.Runtime.CompilerServices;
using InnerWarden.Mesh.Contracts.Detections;

namespace MyPlugin;

/// <summary>
/// Reads addresses appended to a file (<c>path</c>, one per line) and reports each as a detection with
/// <c>confidence</c> (default 0.9). The file is read from its end at start and polled every 250 ms; a line that
/// is not an address is skipped (never thrown: one bad line must not stop a detector). Replace the parsing with
/// your log's format.
/// </summary>
internal sealed class FileDetectionSource(string path, float confidence, TimeProvider time) : IDetectionSource
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public string Name => "myplugin";

    public async IAsyncEnumerable<Detection> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offset = File.Exists(path) ? new FileInfo(path).Length : 0;
        var pending = "";
        while (!cancellationToken.IsCancellationRequested)
        {
            var length = File.Exists(path) ? new FileInfo(path).Length : 0;
            if (length < offset)
            {
                offset = 0; // truncated or replaced: start again from its beginning
            }
            if (length > offset)
            {
                string chunk;
                await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    stream.Seek(offset, SeekOrigin.Begin);
                    using var reader = new StreamReader(stream);
                    chunk = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                    offset = stream.Position;
                }
                var lines = (pending + chunk).Split('\n');
                pending = lines[^1]; // an unfinished last line waits for its newline
                foreach (var line in lines[..^1])
                {
                    if (IPAddress.TryParse(line.Trim(), out var ip))
                    {
                        yield return new Detection(ip, "myplugin", confidence, line.Trim(), time.GetUtcNow());
                    }
                }
            }
            try
            {
                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }
}

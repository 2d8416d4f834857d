namespace InnerWarden.Mesh.Detectors.Files;

/// <summary>One complete line read from a followed file.</summary>
/// <param name="Path">The file it came from.</param>
/// <param name="LineNumber">1-based, counted from where following began in that file (the start for files opened at their beginning).</param>
/// <param name="Text">The line without its line ending; null when it was longer than the limit and skipped.</param>
internal readonly record struct FollowedLine(string Path, long LineNumber, string? Text);

namespace InnerWarden.Mesh.IntegrationTests;

/// <summary>The checkout the tests were built from, for tests that read shipped files (README, packaging/).</summary>
/// <remarks>
/// Found by walking up from the test output to the folder holding the solution, not from [CallerFilePath]: CI builds
/// map source paths to <c>/_/</c> (ContinuousIntegrationBuild), so a compiled-in source path names no real folder.
/// </remarks>
internal static class RepositoryRoot
{
    private const string SolutionFile = "InnerWarden.Mesh.sln";

    public static string Path { get; } = Find();

    /// <summary>A file or folder of the checkout, given relative to its root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no {SolutionFile} above the test output {AppContext.BaseDirectory}");
    }
}

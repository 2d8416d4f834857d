namespace InnerWarden.Mesh.Detectors.Sshd.Counting;

/// <summary>Detector names this plugin reports.</summary>
internal static class SshdDetectorNames
{
    /// <summary>Repeated failed SSH authentication from one address.</summary>
    public const string BruteForce = "ssh_bruteforce";
}

using System.Net;

namespace InnerWarden.Mesh.Contracts.Detections;

/// <summary>Something this node saw itself: an address attacking it.</summary>
/// <param name="Ip">The attacker.</param>
/// <param name="Detector">What saw it, e.g. <c>ssh_bruteforce</c>.</param>
/// <param name="Confidence">0.0 - 1.0.</param>
/// <param name="Evidence">The evidence text; only its SHA-256 ever leaves the node.</param>
/// <param name="ObservedAt">When it was seen.</param>
public sealed record Detection(IPAddress Ip, string Detector, float Confidence, string Evidence, DateTimeOffset ObservedAt);

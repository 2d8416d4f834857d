using System.Net;

namespace InnerWarden.Mesh.Contracts.Staging;

/// <summary>
/// A signal that weighed too little to stage, remembered until its TTL ends so that a later local
/// detection of the address still credits the sender (otherwise a new peer could never earn trust).
/// </summary>
/// <param name="Ip">The reported address.</param>
/// <param name="NodeId">The sender.</param>
/// <param name="ExpiresAt">When it is forgotten.</param>
public sealed record RememberedSignal(IPAddress Ip, string NodeId, DateTimeOffset ExpiresAt);

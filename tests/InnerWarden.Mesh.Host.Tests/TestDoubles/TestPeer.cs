using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Signals;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>A signing identity that makes valid signals at the fake clock's time, each with distinct evidence.</summary>
internal sealed class TestPeer : IDisposable
{
    private readonly SignalSigner _signer;
    private int _counter;

    public TestPeer(int seed, TimeProvider time)
    {
        var bytes = new byte[32];
        BitConverter.TryWriteBytes(bytes, seed);
        bytes[31] = 0x5a;
        Identity = NodeIdentity.FromSeed(bytes);
        _signer = new SignalSigner(Identity, time);
    }

    public NodeIdentity Identity { get; }

    public string NodeId => Identity.NodeId;

    public ThreatSignal Signal(string ip, float confidence = 0.9f, ulong ttlSecs = 3600, string detector = "ssh_bruteforce") =>
        _signer.Create(new Detection(IPAddress.Parse(ip), detector, confidence, "evidence " + Interlocked.Increment(ref _counter), DateTimeOffset.UnixEpoch), ttlSecs);

    public void Dispose() => Identity.Dispose();
}

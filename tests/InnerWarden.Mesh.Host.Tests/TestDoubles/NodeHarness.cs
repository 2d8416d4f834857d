using System.Collections.Concurrent;
using System.Net;
using InnerWarden.Mesh.Contracts.Detections;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Transport;
using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Audit;
using InnerWarden.Mesh.Host.Identity;
using InnerWarden.Mesh.Host.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InnerWarden.Mesh.Host.Tests.TestDoubles;

/// <summary>A real <see cref="MeshNode"/> with test plugins, a fake clock and a temp data directory.</summary>
internal sealed class NodeHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 27, 12, 0, 0, TimeSpan.Zero);

    /// <summary>This node's own (public) address.</summary>
    public static readonly IPAddress OwnAddress = IPAddress.Parse("93.184.216.34");

    /// <summary>The address of the configured peer's endpoint.</summary>
    public const string PeerAddress = "151.101.1.1";

    public const string AllowlistedAddress = "185.199.108.153";

    public const double InitialTrust = 0.7;

    private readonly TempDirectory? _ownedDirectory;

    public NodeHarness(Options? options = null)
    {
        options ??= new Options();
        Time = options.Time ?? new FakeTimeProvider(Start);
        if (options.DataDirectory is null)
        {
            _ownedDirectory = new TempDirectory();
        }
        DataDirectory = options.DataDirectory ?? _ownedDirectory!.Path;
        Enforcer = options.Enforcer ?? new RecordingEnforcer();
        Pool = new TestStagingPool(options.MaxStaged);
        Identity = NodeIdentity.FromSeed(Enumerable.Repeat((byte)options.Seed, 32).ToArray());
        Settings = new NodeSettings("127.0.0.1:0", DataDirectory, options.PollInterval, options.AutoBroadcast,
            options.MaxSignalsPerHour, options.MaxStaged, InitialTrust, options.Peers ?? [], [AllowlistedAddress + "/32"]);
        Node = new MeshNode(new MeshNodeParts(Settings, Identity, new TestTrustPolicy(), Pool, Enforcer, options.Transport,
            options.Detectors ?? [], Time, NullLoggerFactory.Instance, () => [OwnAddress], options.TrackedPeerCapacity, options.Metrics, Audit: options.Audit,
            SeenSignalCapacity: options.SeenSignalCapacity, LateConfirmationWindow: options.LateConfirmationWindow));
        Node.Observer = Events.Enqueue;
    }

    public FakeTimeProvider Time { get; }

    public string DataDirectory { get; }

    public RecordingEnforcer Enforcer { get; }

    public TestStagingPool Pool { get; }

    public NodeIdentity Identity { get; }

    public NodeSettings Settings { get; }

    public MeshNode Node { get; }

    public ConcurrentQueue<NodeEvent> Events { get; } = new();

    /// <summary>A peer listed in config with its key (vouched) at <see cref="PeerAddress"/>.</summary>
    public static PeerInfo ConfiguredPeer(TestPeer peer) => new(new Uri($"http://{PeerAddress}:8790"), peer.NodeId, "peer-a");

    public static async Task<NodeHarness> StartAsync(Options? options = null)
    {
        var harness = new NodeHarness(options);
        await harness.Node.StartAsync(CancellationToken.None);
        return harness;
    }

    public async Task<SignalVerdict> SubmitAsync(ThreatSignal signal) =>
        await Node.Sink.SubmitAsync(signal, new SignalOrigin("192.0.2.50:40000", "json"), CancellationToken.None);

    public Task DetectAsync(string ip, float confidence = 0.9f) =>
        Node.HandleLocalDetectionAsync(new Detection(IPAddress.Parse(ip), "ssh_bruteforce", confidence, "log lines", Time.GetUtcNow()), CancellationToken.None);

    public double TrustOf(string nodeId) => Node.Reputations.Find(nodeId)?.Trust ?? double.NaN;

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        Identity.Dispose();
        _ownedDirectory?.Dispose();
    }

    internal sealed record Options
    {
        public FakeTimeProvider? Time { get; init; }
        public string? DataDirectory { get; init; }
        public RecordingEnforcer? Enforcer { get; init; }
        public IReadOnlyList<PeerInfo>? Peers { get; init; }
        public IMeshTransport? Transport { get; init; }
        public IReadOnlyList<IDetectionSource>? Detectors { get; init; }
        public bool AutoBroadcast { get; init; }
        public int MaxSignalsPerHour { get; init; } = 50;
        public int MaxStaged { get; init; } = 10_000;
        public int Seed { get; init; } = 1;
        public int TrackedPeerCapacity { get; init; } = 10_000;
        public int SeenSignalCapacity { get; init; } = Host.Pipeline.SeenSignals.DefaultCapacity;
        public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);
        public AuditOptions? Audit { get; init; }
        public MeshMetrics? Metrics { get; init; }
        public TimeSpan? LateConfirmationWindow { get; init; }
    }
}

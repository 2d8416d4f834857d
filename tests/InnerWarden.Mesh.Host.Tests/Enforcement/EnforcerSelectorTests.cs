using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Host.Enforcement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace InnerWarden.Mesh.Host.Tests.Enforcement;

public sealed class EnforcerSelectorTests
{
    private static PluginMetadata Enforcer(string name, int priority, string os = "any") =>
        new() { Kind = PluginKind.Enforcer, Name = name, AutoPriority = priority, SupportedOS = os, AbiVersion = MeshAbi.Version };

    [Fact]
    public void Auto_order_is_the_declared_priority_highest_first()
    {
        var order = EnforcerSelector.AutoOrder([Enforcer("log-only", 1), Enforcer("iptables", 100), Enforcer("nftables", 200)]);

        Assert.Equal(["nftables", "iptables", "log-only"], order);
    }

    [Fact]
    public void Auto_order_skips_enforcers_of_other_systems_those_without_a_priority_and_other_kinds()
    {
        var other = OperatingSystem.IsWindows() ? "linux" : "windows";
        var order = EnforcerSelector.AutoOrder(
        [
            Enforcer("elsewhere", 500, other),
            Enforcer("manual-only", 0),
            new PluginMetadata { Kind = PluginKind.Detector, Name = "sshd", AutoPriority = 900 },
            Enforcer("log-only", 1),
        ]);

        Assert.Equal(["log-only"], order);
    }

    [Fact]
    public void Auto_order_breaks_ties_by_name_so_it_is_stable()
    {
        Assert.Equal(["a", "b"], EnforcerSelector.AutoOrder([Enforcer("b", 5), Enforcer("a", 5)]));
    }

    [Fact]
    public async Task The_first_candidate_that_initializes_is_selected_and_later_ones_are_not_built()
    {
        var nft = new FakeEnforcer("nftables");
        var laterBuilt = false;
        var (enforcer, name, skipped) = await EnforcerSelector.SelectAsync(
            [("nftables", () => nft), ("iptables", () => { laterBuilt = true; return new FakeEnforcer("iptables"); })],
            NullLogger.Instance, default);

        Assert.Same(nft, enforcer);
        Assert.Equal("nftables", name);
        Assert.Empty(skipped);
        Assert.Equal(1, nft.Initialized);
        Assert.False(laterBuilt);
    }

    [Fact]
    public async Task A_candidate_whose_initialization_fails_is_skipped_with_its_reason()
    {
        var (_, name, skipped) = await EnforcerSelector.SelectAsync(
            [
                ("nftables", () => new FakeEnforcer("nftables", new EnforcerException("`nft -f -` failed with exit code 1: Operation not permitted"))),
                ("iptables", () => new FakeEnforcer("iptables")),
            ],
            NullLogger.Instance, default);

        Assert.Equal("iptables", name);
        var reason = Assert.Single(skipped);
        Assert.Contains("nftables", reason, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_candidate_whose_factory_throws_is_skipped_too()
    {
        var (_, name, skipped) = await EnforcerSelector.SelectAsync(
            [("windows-firewall", () => throw new InvalidOperationException("plugin folder plugins/x missing")), ("log-only", () => new FakeEnforcer("log-only"))],
            NullLogger.Instance, default);

        Assert.Equal("log-only", name);
        Assert.Contains("plugin folder plugins/x missing", Assert.Single(skipped), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Falling_back_to_log_only_logs_a_critical_warning_naming_every_skipped_backend()
    {
        var logger = new Mock<ILogger>();
        logger.Setup(l => l.IsEnabled(It.IsAny<LogLevel>())).Returns(true);

        var (_, name, skipped) = await EnforcerSelector.SelectAsync(
            [
                ("nftables", () => new FakeEnforcer("nftables", new EnforcerException("nft: not found"))),
                ("iptables", () => new FakeEnforcer("iptables", new EnforcerException("ipset: not found"))),
                ("log-only", () => new FakeEnforcer("log-only")),
            ],
            logger.Object, default);

        Assert.Equal("log-only", name);
        Assert.Equal(2, skipped.Count);
        logger.Verify(l => l.Log(LogLevel.Critical, It.IsAny<EventId>(),
            It.Is<It.IsAnyType>((v, _) => v.ToString()!.Contains("nft: not found", StringComparison.Ordinal) && v.ToString()!.Contains("ipset: not found", StringComparison.Ordinal)),
            null, It.IsAny<Func<It.IsAnyType, Exception?, string>>()), Times.Once);
    }

    [Fact]
    public async Task When_every_candidate_fails_the_error_names_each_one()
    {
        var e = await Assert.ThrowsAsync<EnforcerException>(() => EnforcerSelector.SelectAsync(
            [("nftables", () => new FakeEnforcer("nftables", new EnforcerException("no nft"))), ("log-only", () => new FakeEnforcer("log-only", new EnforcerException("broken")))],
            NullLogger.Instance, default));

        Assert.Contains("nftables: no nft", e.Message, StringComparison.Ordinal);
        Assert.Contains("log-only: broken", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_stops_the_selection_instead_of_skipping_to_the_next_candidate()
    {
        using var cts = new CancellationTokenSource();
        var next = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EnforcerSelector.SelectAsync(
            [("nftables", () => { cts.Cancel(); return new FakeEnforcer("nftables", new OperationCanceledException(cts.Token)); }), ("iptables", () => { next = true; return new FakeEnforcer("iptables"); })],
            NullLogger.Instance, cts.Token));
        Assert.False(next);
    }

    private sealed class FakeEnforcer(string name, Exception? initError = null) : IFirewallEnforcer
    {
        public int Initialized { get; private set; }

        public string Name => name;

        public bool HasHitCounters => false;

        public Task InitializeAsync(CancellationToken cancellationToken)
        {
            Initialized++;
            return initError is null ? Task.CompletedTask : Task.FromException(initError);
        }

        public Task ApplyAsync(IReadOnlyList<BlockRequest> blocks, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RevertAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<AppliedBlock>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<AppliedBlock>>([]);
    }
}

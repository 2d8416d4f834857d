using System.Net;
using InnerWarden.Mesh.Contracts.Enforcement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MyPlugin;

namespace MyPlugin.Tests;

public sealed class MemoryEnforcerTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("198.51.100.7");

    [Fact]
    public async Task An_applied_block_is_listed_until_its_ttl_ends_or_it_is_reverted()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var enforcer = new MemoryEnforcer(time, NullLogger<MemoryEnforcer>.Instance);
        await enforcer.InitializeAsync(CancellationToken.None);
        await enforcer.ApplyAsync([new BlockRequest(Attacker, TimeSpan.FromMinutes(10))], CancellationToken.None);
        var listed = Assert.Single(await enforcer.ListAsync(CancellationToken.None));
        Assert.Equal(TimeSpan.FromMinutes(10), listed.Remaining);

        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(await enforcer.ListAsync(CancellationToken.None));

        await enforcer.ApplyAsync([new BlockRequest(Attacker, TimeSpan.FromMinutes(10))], CancellationToken.None);
        await enforcer.RevertAsync([Attacker], CancellationToken.None);
        Assert.Empty(await enforcer.ListAsync(CancellationToken.None));
    }
}

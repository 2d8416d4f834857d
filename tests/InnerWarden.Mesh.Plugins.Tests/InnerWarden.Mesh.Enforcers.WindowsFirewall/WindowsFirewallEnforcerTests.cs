using System.Net;
using System.Runtime.InteropServices;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.WindowsFirewall;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace InnerWarden.Mesh.Plugins.Tests.InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>Moq stands in for the Windows Firewall, which cannot run here; the COM adapter is the only part left untested.</summary>
public sealed class WindowsFirewallEnforcerTests
{
    private static readonly IPAddress A = IPAddress.Parse("185.220.1.7");
    private static readonly IPAddress B = IPAddress.Parse("2a00:1450:4001::7");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private WindowsFirewallEnforcer Create(Mock<IWindowsFirewallApi> api) => new(api.Object, _time, NullLogger<WindowsFirewallEnforcer>.Instance);

    [Fact]
    public async Task Apply_writes_the_planned_rule_through_the_firewall_api()
    {
        var api = new Mock<IWindowsFirewallApi>(MockBehavior.Strict);
        api.Setup(a => a.GetRules("InnerWarden.Mesh Block ")).Returns([]);
        api.Setup(a => a.SetRule("InnerWarden.Mesh Block 0000", It.Is<IReadOnlyList<IPAddress>>(l => l.SequenceEqual(new[] { A, B }))));

        await Create(api).ApplyAsync([new BlockRequest(A, TimeSpan.FromHours(1)), new BlockRequest(B, TimeSpan.FromHours(2))], default);

        api.VerifyAll();
    }

    [Fact]
    public async Task Revert_of_the_last_address_deletes_the_rule_instead_of_leaving_an_empty_one()
    {
        var api = new Mock<IWindowsFirewallApi>(MockBehavior.Strict);
        api.Setup(a => a.GetRules(It.IsAny<string>())).Returns([new FirewallRule("InnerWarden.Mesh Block 0000", [A])]);
        api.Setup(a => a.DeleteRule("InnerWarden.Mesh Block 0000"));

        await Create(api).RevertAsync([A], default);

        api.Verify(a => a.DeleteRule("InnerWarden.Mesh Block 0000"), Times.Once);
        api.Verify(a => a.SetRule(It.IsAny<string>(), It.IsAny<IReadOnlyList<IPAddress>>()), Times.Never);
    }

    [Fact]
    public async Task List_reports_the_remaining_time_the_agent_tracks_and_null_for_addresses_it_did_not_apply()
    {
        var api = new Mock<IWindowsFirewallApi>();
        var held = new List<FirewallRule>();
        api.Setup(a => a.GetRules(It.IsAny<string>())).Returns(() => held);
        api.Setup(a => a.SetRule(It.IsAny<string>(), It.IsAny<IReadOnlyList<IPAddress>>()))
            .Callback((string name, IReadOnlyList<IPAddress> list) => held = [new FirewallRule(name, [.. list, B])]);
        var enforcer = Create(api);

        await enforcer.ApplyAsync([new BlockRequest(A, TimeSpan.FromHours(1))], default);
        _time.Advance(TimeSpan.FromMinutes(15));
        var list = await enforcer.ListAsync(default);

        Assert.Equal([new AppliedBlock(A, TimeSpan.FromMinutes(45), null), new AppliedBlock(B, null, null)], list);
        Assert.False(enforcer.HasHitCounters);
    }

    [Fact]
    public async Task A_com_failure_is_an_enforcer_error_naming_the_operation()
    {
        var api = new Mock<IWindowsFirewallApi>();
        api.Setup(a => a.GetRules(It.IsAny<string>())).Returns([]);
        api.Setup(a => a.SetRule(It.IsAny<string>(), It.IsAny<IReadOnlyList<IPAddress>>())).Throws(new COMException("Access is denied.", unchecked((int)0x80070005)));

        var e = await Assert.ThrowsAsync<EnforcerException>(() => Create(api).ApplyAsync([new BlockRequest(A, TimeSpan.FromHours(1))], default));

        Assert.Contains("write rule 'InnerWarden.Mesh Block 0000'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Access is denied", e.Message, StringComparison.Ordinal);
    }
}

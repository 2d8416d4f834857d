using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;
using InnerWarden.Mesh.Enforcers.Iptables;
using InnerWarden.Mesh.Enforcers.Nftables;
using InnerWarden.Mesh.Enforcers.Nftables.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace InnerWarden.Mesh.Benchmarks.Enforcers;

/// <summary>
/// Applies and reverts N blocks with each Linux backend, each in its own fresh network namespace (so the
/// machine's firewall is never touched), and times the same elements fed to the raw tool for comparison.
/// `--count 100` is the CI smoke mode.
/// </summary>
internal static class EnforcerBenchmark
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    public static async Task<int> RunAsync(string[] args)
    {
        var count = 100_000;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--count" && i + 1 < args.Length)
            {
                if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1_000_000)
                {
                    Console.Error.WriteLine($"--count: '{args[i]}' is not a whole number between 1 and 1000000");
                    return 2;
                }
            }
            else
            {
                Console.Error.WriteLine($"enforcers: unknown option '{args[i]}' (expected --count N)");
                return 2;
            }
        }
        if (Environment.UserName != "root")
        {
            Console.Error.WriteLine("enforcers: needs root (network namespaces and firewall changes)");
            return 2;
        }

        var addresses = Enumerable.Range(0, count)
            .Select(i => new IPAddress([(byte)(20 + i / 65536), (byte)(i / 256 % 256), (byte)(i % 256), 9]))
            .ToList();
        var rows = new List<(string Backend, string Operation, double Enforcer, double Raw)>();
        Console.WriteLine($"Applying and reverting {count:N0} IPv4 blocks per backend, each in a fresh network namespace.");

        await WithNamespaceAsync(async (runner, _) =>
        {
            var nft = new NftablesEnforcer(NftablesOptions.Parse(new Dictionary<string, string>()), runner, NullLogger<NftablesEnforcer>.Instance);
            await nft.InitializeAsync(default);
            // As a node does at start: its reconcile lists the sets, so the enforcer knows what is already there.
            await nft.ListAsync(default);
            var (apply, list, revert) = await TimeEnforcerAsync(nft, addresses);
            var table = NftablesOptions.DefaultTable;
            var elements = string.Join(", ", addresses);
            var rawApply = await TimeAsync(() => runner.RunCheckedAsync("nft", ["-f", "-"],
                $"add element inet {table} blocked_v4 {{ {string.Join(", ", addresses.Select(a => $"{a} timeout 3600s"))} }}\n", default));
            var rawRevert = await TimeAsync(() => runner.RunCheckedAsync("nft", ["-f", "-"], $"delete element inet {table} blocked_v4 {{ {elements} }}\n", default));
            rows.Add(("nftables", "apply", apply, rawApply));
            rows.Add(("nftables", "list", list, double.NaN));
            rows.Add(("nftables", "revert", revert, rawRevert));
        });

        // The same enforcer in process through libnftables (its thread in the namespace), against the nft process.
        var single = (Library: double.NaN, Process: double.NaN);
        if (LibNftables.IsAvailable(out var unavailable))
        {
            await WithNamespaceAsync(async (process, ns) =>
            {
                using var library = new LibNftablesRunner(TimeSpan.FromMinutes(5), ns);
                var nft = new NftablesEnforcer(NftablesOptions.Parse(new Dictionary<string, string>()), library, NullLogger<NftablesEnforcer>.Instance);
                await nft.InitializeAsync(default);
                await nft.ListAsync(default);
                var (apply, list, revert) = await TimeEnforcerAsync(nft, addresses);
                var table = NftablesOptions.DefaultTable;
                var rawApply = await TimeAsync(() => process.RunCheckedAsync("nft", ["-f", "-"],
                    $"add element inet {table} blocked_v4 {{ {string.Join(", ", addresses.Select(a => $"{a} timeout 3600s"))} }}\n", default));
                var rawRevert = await TimeAsync(() => process.RunCheckedAsync("nft", ["-f", "-"], $"delete element inet {table} blocked_v4 {{ {string.Join(", ", addresses)} }}\n", default));
                rows.Add(("nftables, libnftables", "apply", apply, rawApply));
                rows.Add(("nftables, libnftables", "list", list, double.NaN));
                rows.Add(("nftables, libnftables", "revert", revert, rawRevert));
                // One transaction of one block, as a node makes for one signal: the median of 50 each way.
                var script = $"add element inet {table} blocked_v4 {{ 198.51.100.7 timeout 3600s }}\n";
                single = (await MedianAsync(() => library.RunCheckedAsync("nft", ["-f", "-"], script, default)),
                    await MedianAsync(() => process.RunCheckedAsync("nft", ["-f", "-"], script, default)));
            });
        }
        else
        {
            Console.WriteLine($"libnftables rows skipped: {unavailable}");
        }

        await WithNamespaceAsync(async (runner, _) =>
        {
            var ipt = new IptablesEnforcer(runner, NullLogger<IptablesEnforcer>.Instance);
            await ipt.InitializeAsync(default);
            var (apply, list, revert) = await TimeEnforcerAsync(ipt, addresses);
            var rawApply = await TimeAsync(() => runner.RunCheckedAsync("ipset", ["restore"],
                string.Concat(addresses.Select(a => $"add {IpsetScript.SetV4} {a} timeout 3600\n")), default));
            var rawRevert = await TimeAsync(() => runner.RunCheckedAsync("ipset", ["restore"],
                string.Concat(addresses.Select(a => $"del {IpsetScript.SetV4} {a}\n")), default));
            rows.Add(("iptables", "apply", apply, rawApply));
            rows.Add(("iptables", "list", list, double.NaN));
            rows.Add(("iptables", "revert", revert, rawRevert));
        });

        Console.WriteLine();
        Console.WriteLine("| backend | operation | enforcer (ms) | raw tool (ms) | enforcer / raw | µs per block |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var (backend, op, enforcer, raw) in rows)
        {
            var rawText = double.IsNaN(raw) ? "-" : raw.ToString("F0", CultureInfo.InvariantCulture);
            var ratio = double.IsNaN(raw) ? "-" : (enforcer / raw).ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {backend} | {op} | {enforcer:F0} | {rawText} | {ratio} | {enforcer * 1000 / count:F1} |"));
        }
        if (!double.IsNaN(single.Library))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"one transaction of one block (median of 50): libnftables {single.Library:F3} ms, nft -f process {single.Process:F3} ms ({single.Process / single.Library:F1}x)"));
        }
        return 0;
    }

    private static async Task<(double Apply, double List, double Revert)> TimeEnforcerAsync(IFirewallEnforcer enforcer, List<IPAddress> addresses)
    {
        var blocks = addresses.Select(a => new BlockRequest(a, Ttl)).ToList();
        var apply = await TimeAsync(() => enforcer.ApplyAsync(blocks, default));
        IReadOnlyList<AppliedBlock> listed = [];
        var list = await TimeAsync(async () => listed = await enforcer.ListAsync(default));
        if (listed.Count != addresses.Count)
        {
            throw new InvalidOperationException($"{enforcer.Name}: listed {listed.Count} blocks after applying {addresses.Count}");
        }
        var revert = await TimeAsync(() => enforcer.RevertAsync(addresses, default));
        if ((await enforcer.ListAsync(default)).Count != 0)
        {
            throw new InvalidOperationException($"{enforcer.Name}: blocks left after revert");
        }
        return (apply, list, revert);
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<double> MedianAsync(Func<Task> action)
    {
        var times = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            times.Add(await TimeAsync(action));
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static async Task WithNamespaceAsync(Func<ICommandRunner, string, Task> body)
    {
        var ns = "iwm-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var host = new ProcessCommandRunner(TimeSpan.FromSeconds(30));
        await host.RunCheckedAsync("ip", ["netns", "add", ns], null, default);
        try
        {
            await body(new ProcessCommandRunner(TimeSpan.FromMinutes(5), ns), ns);
        }
        finally
        {
            // ipset sets live per namespace too: deleting the namespace removes everything the run created.
            await host.RunAsync("ip", ["netns", "delete", ns], null, default);
        }
    }
}

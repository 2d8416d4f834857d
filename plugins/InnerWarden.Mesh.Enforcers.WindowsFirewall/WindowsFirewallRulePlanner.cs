using System.Globalization;
using System.Net;

namespace InnerWarden.Mesh.Enforcers.WindowsFirewall;

/// <summary>
/// Turns the current rules plus a batch of blocks or reverts into the fewest rule writes: addresses stay in the
/// rule that holds them, new ones fill the lowest-numbered rules with room, then new rules; emptied rules are
/// deleted (a rule with no remote addresses would block everyone). Pure and deterministic.
/// </summary>
internal static class WindowsFirewallRulePlanner
{
    public const string Prefix = "InnerWarden.Mesh Block ";
    public const int MaxAddressesPerRule = 1000;

    public static string RuleName(int index) => Prefix + index.ToString("D4", CultureInfo.InvariantCulture);

    public static RulePlan Plan(IReadOnlyList<FirewallRule> current, IReadOnlyCollection<IPAddress> apply, IReadOnlyCollection<IPAddress> revert)
    {
        var removed = revert.ToHashSet();
        // Working copy, in rule-name order so filling is deterministic whatever order the firewall listed them in.
        var rules = current.OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => (r.Name, Addresses: r.Addresses.Distinct().ToList(), Changed: false))
            .ToList();
        var held = new HashSet<IPAddress>();
        for (var i = 0; i < rules.Count; i++)
        {
            var (name, addresses, _) = rules[i];
            var kept = addresses.Where(a => !removed.Contains(a) && held.Add(a)).ToList();
            // Over-full rules (written by hand or an older version) are trimmed; the surplus is placed again below.
            var surplus = kept.Skip(MaxAddressesPerRule).ToList();
            foreach (var a in surplus)
            {
                held.Remove(a);
            }
            kept = kept.Take(MaxAddressesPerRule).ToList();
            rules[i] = (name, kept, kept.Count != addresses.Count);
            apply = [.. apply, .. surplus];
        }

        var pending = new Queue<IPAddress>(apply.Where(a => !removed.Contains(a) && held.Add(a)));
        for (var i = 0; i < rules.Count && pending.Count > 0; i++)
        {
            var (name, addresses, changed) = rules[i];
            while (addresses.Count < MaxAddressesPerRule && pending.Count > 0)
            {
                addresses.Add(pending.Dequeue());
                changed = true;
            }
            rules[i] = (name, addresses, changed);
        }
        var used = rules.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var next = 0;
        while (pending.Count > 0)
        {
            while (used.Contains(RuleName(next)))
            {
                next++;
            }
            var name = RuleName(next);
            used.Add(name);
            var addresses = new List<IPAddress>();
            while (addresses.Count < MaxAddressesPerRule && pending.Count > 0)
            {
                addresses.Add(pending.Dequeue());
            }
            rules.Add((name, addresses, true));
        }

        var set = rules.Where(r => r.Changed && r.Addresses.Count > 0).Select(r => new FirewallRule(r.Name, r.Addresses)).ToList();
        var delete = rules.Where(r => r.Addresses.Count == 0).Select(r => r.Name).ToList();
        return new RulePlan(set, delete);
    }
}

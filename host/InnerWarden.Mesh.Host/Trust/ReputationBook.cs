using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Plugins;
using InnerWarden.Mesh.Contracts.Trust;

namespace InnerWarden.Mesh.Host.Trust;

/// <summary>
/// The reputation of every signing identity this node knows, derived through the configured
/// <see cref="ITrustPolicy"/>. Keys the operator vouched for (config, or resolved later by discovery) start at
/// <see cref="NodeSettings.InitialTrust"/> and are never evicted; other identities are bounded. Thread-safe.
/// </summary>
internal sealed class ReputationBook
{
    /// <summary>Default bound on tracked identities.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly ITrustPolicy _policy;
    private readonly double _initialTrust;
    private readonly HashSet<string> _vouched = new(StringComparer.Ordinal);
    private readonly BoundedPeerMap<PeerReputation> _peers;
    private readonly Lock _gate = new();

    public ReputationBook(ITrustPolicy policy, NodeSettings settings, TimeProvider time, int capacity = DefaultCapacity)
    {
        _policy = policy;
        _initialTrust = settings.InitialTrust;
        _peers = new BoundedPeerMap<PeerReputation>(capacity, (id, rep) => new PeerRank(_vouched.Contains(id), rep.Trust, rep.LastSeen));
        var now = time.GetUtcNow();
        foreach (var peer in settings.Peers)
        {
            if (!string.IsNullOrEmpty(peer.PublicKey))
            {
                var id = peer.PublicKey.ToLowerInvariant();
                _vouched.Add(id);
                _peers.Set(id, policy.Create(id, _initialTrust, now));
            }
        }
    }

    public ITrustPolicy Policy => _policy;

    /// <summary>Called (under the book's lock, so keep it short) with the id of every reputation created or changed: the state store's hook.</summary>
    public Action<string>? Changed { get; set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _peers.Count;
            }
        }
    }

    /// <summary>True when the operator vouched for the key (never evicted).</summary>
    public bool IsVouched(string nodeId)
    {
        lock (_gate)
        {
            return _vouched.Contains(nodeId);
        }
    }

    /// <summary>
    /// True for a signer the audit log writes one line per signal for, however many: vouched for by the operator, or with a
    /// signal confirmed by this node. Anyone else is an identity that costs nothing to make (<see cref="Audit.UnknownSignerBudget"/>).
    /// </summary>
    public static bool IsKnown(PeerReputation reputation)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        return reputation.Vouched || reputation.Confirmed > 0;
    }

    /// <summary><see cref="IsKnown(PeerReputation)"/> for an identity that may have no reputation yet.</summary>
    public bool IsKnown(string nodeId)
    {
        lock (_gate)
        {
            return _vouched.Contains(nodeId) || (_peers.TryGetValue(nodeId, out var rep) && IsKnown(rep));
        }
    }

    /// <summary>
    /// <see cref="IsKnown(string)"/> and not quarantined: a signer whose replay-record entries a flood of fresh identities
    /// must not evict (<see cref="Pipeline.SeenSignals"/>). A quarantined signer's signals are refused anyway, and must not
    /// crowd out the other known signers' entries.
    /// </summary>
    public bool IsKnownAndNotQuarantined(string nodeId, DateTimeOffset now)
    {
        lock (_gate)
        {
            bool found = _peers.TryGetValue(nodeId, out var rep);
            return (_vouched.Contains(nodeId) || (found && IsKnown(rep))) && !(found && rep.IsQuarantined(now));
        }
    }

    /// <summary>The eviction rank other per-peer tables use, so every bound evicts by the same rule.</summary>
    public PeerRank RankOf(string nodeId, DateTimeOffset lastSeen)
    {
        lock (_gate)
        {
            double trust = _peers.TryGetValue(nodeId, out var rep) ? rep.Trust : 0;
            return new PeerRank(_vouched.Contains(nodeId), trust, lastSeen);
        }
    }

    public PeerReputation? Find(string nodeId)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(nodeId, out var rep) ? rep : null;
        }
    }

    /// <summary>The reputation, created through the policy when the identity is new.</summary>
    public PeerReputation GetOrCreate(string nodeId, DateTimeOffset now)
    {
        lock (_gate)
        {
            return GetOrCreateLocked(nodeId, now);
        }
    }

    /// <summary>Counts an accepted signal and marks the peer as seen.</summary>
    public PeerReputation RecordSignal(string nodeId, DateTimeOffset now)
    {
        lock (_gate)
        {
            var rep = GetOrCreateLocked(nodeId, now);
            rep = rep with { SignalsReceived = rep.SignalsReceived + 1, LastSeen = now };
            _peers.Set(nodeId, rep);
            Changed?.Invoke(nodeId);
            return rep;
        }
    }

    public TrustChange OnConfirmed(string nodeId, DateTimeOffset now) => Change(nodeId, now, confirmed: true);

    public TrustChange OnContradicted(string nodeId, DateTimeOffset now) => Change(nodeId, now, confirmed: false);

    public void Quarantine(string nodeId, DateTimeOffset until, DateTimeOffset now)
    {
        lock (_gate)
        {
            var rep = GetOrCreateLocked(nodeId, now);
            _peers.Set(nodeId, rep with { QuarantinedUntil = until });
            Changed?.Invoke(nodeId);
        }
    }

    /// <summary>The operator vouches for a key resolved after start (discovery): it gets the initial trust now.</summary>
    public void Vouch(string nodeId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_vouched.Add(nodeId) && _peers.TryGetValue(nodeId, out var known) && known.Vouched)
            {
                return;
            }
            var fresh = _policy.Create(nodeId, _initialTrust, now);
            var rep = _peers.TryGetValue(nodeId, out var existing)
                ? existing with { Trust = Math.Max(existing.Trust, fresh.Trust), Vouched = true }
                : fresh;
            _peers.Set(nodeId, rep);
            Changed?.Invoke(nodeId);
        }
    }

    public IReadOnlyList<PeerReputation> Snapshot()
    {
        lock (_gate)
        {
            var list = new List<PeerReputation>(_peers.Count);
            foreach (var (_, rep) in _peers.Items)
            {
                list.Add(rep);
            }
            return list;
        }
    }

    /// <summary>Replaces unvouched state with persisted reputations; vouching follows the current config.</summary>
    public void Restore(IEnumerable<PeerReputation> reputations)
    {
        lock (_gate)
        {
            foreach (var rep in reputations)
            {
                _peers.Set(rep.NodeId, rep with { Vouched = _vouched.Contains(rep.NodeId) });
            }
        }
    }

    private TrustChange Change(string nodeId, DateTimeOffset now, bool confirmed)
    {
        lock (_gate)
        {
            var before = GetOrCreateLocked(nodeId, now);
            var after = confirmed ? _policy.OnConfirmed(before, now) : _policy.OnContradicted(before, now);
            _peers.Set(nodeId, after);
            Changed?.Invoke(nodeId);
            return new TrustChange(nodeId, before.Trust, after.Trust);
        }
    }

    private PeerReputation GetOrCreateLocked(string nodeId, DateTimeOffset now)
    {
        if (_peers.TryGetValue(nodeId, out var rep))
        {
            return rep;
        }
        rep = _policy.Create(nodeId, _vouched.Contains(nodeId) ? _initialTrust : null, now);
        _peers.Set(nodeId, rep);
        Changed?.Invoke(nodeId);
        return rep;
    }
}

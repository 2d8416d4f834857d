using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using InnerWarden.Mesh.Contracts.Peers;
using InnerWarden.Mesh.Contracts.Signals;
using InnerWarden.Mesh.Contracts.Staging;
using InnerWarden.Mesh.Host.Pipeline;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// The node's durable state, <c>&lt;data_dir&gt;/mesh.db</c>, written by group commit. The in-memory structures
/// (pool, book, replay set) decide; every change they make is recorded here as a key, and one writer thread commits
/// whatever was recorded meanwhile in one transaction, writing each key's current value. A caller that must not
/// answer before its changes are durable awaits <see cref="CommitAsync"/>: the commit that covers everything
/// recorded before the call. While one commit runs the next batch gathers, so under load commits stay a few per
/// fsync, not one per signal. A failed commit (disk full, read-only file system, I/O error) faults its waiters with
/// <see cref="StateStoreException"/>, keeps its changes for the next attempt and is logged once a minute.
/// </summary>
/// <remarks>
/// Disk stays bounded: a signal row goes when both its replay window and its remembered TTL are over (checked every
/// <see cref="PruneInterval"/>), and each partition of the replay record (<see cref="SeenSignals"/>) keeps at most its
/// newest <c>seenCapacity</c> rows: trimmed in the commit that brings 1/<see cref="TrimFraction"/> of that bound of new rows
/// to a partition (and in the first commit after start), so after every commit a partition holds fewer than
/// 1.0625 x <c>seenCapacity</c> rows whatever a flood sends. Measured: about 100 bytes a row with its indexes, 240 for one
/// that remembers a discarded signal (its signer and address); 43 to 100 MB for both partitions at the default 200,000.
/// </remarks>
internal sealed partial class StateStore : IAsyncDisposable
{
    /// <summary>Signal rows past their window are deleted this often.</summary>
    public static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    /// <summary>A partition is trimmed back to its bound each time 1/<c>TrimFraction</c> of the bound was written to it.</summary>
    internal const int TrimFraction = 16;

    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _kick = new(0, 1);
    private StateChanges _pending = new();
    private StateChanges? _inflight;
    private SqliteConnection? _db;
    private Statements? _statements;
    private Thread? _writer;
    private volatile bool _stopping;
    private Func<IPAddress, StagedEntry?> _findStaged = _ => null;
    private Func<string, PeerReputation?> _findReputation = _ => null;
    private Func<IPAddress, LateConfirmation?> _findLate = _ => null;
    private Func<IReadOnlyList<PersistedPeer>> _peers = () => [];
    private readonly int _seenCapacity;
    // New signal rows per partition (0 unknown, 1 known) since that partition was last trimmed; the writer thread's own.
    private readonly int[] _sinceTrim = new int[2];
    private long _lastPrune;
    private bool _trimOnFirstCommit = true;
    private long _lastFailureLog;
    private int _failuresSinceLog;
    private bool _failing;
    private long _commits;
    private long _changes;
    private long _rows;
    private long _commitTicks;

    /// <param name="dataDirectory">Where <c>mesh.db</c> lives.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where failures are logged.</param>
    /// <param name="seenCapacity">Rows each partition of the replay record keeps (the <c>max_seen_signals</c> key).</param>
    public StateStore(string dataDirectory, TimeProvider time, ILogger logger, int seenCapacity = SeenSignals.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seenCapacity, 1);
        _seenCapacity = seenCapacity;
        DataDirectory = dataDirectory;
        FilePath = Path.Combine(dataDirectory, StateDatabase.FileName);
        _time = time;
        _logger = logger;
    }

    public string DataDirectory { get; }

    public string FilePath { get; }

    /// <summary>The replay set read at <see cref="Open"/>: signatures still inside their window with their partition, oldest first.</summary>
    public IReadOnlyList<(UInt128 Key, DateTimeOffset Until, bool Known)> LoadedSeen { get; private set; } = [];

    /// <summary>The late-confirmation entries still inside their window at open.</summary>
    public IReadOnlyList<LateConfirmation> LoadedLate { get; private set; } = [];

    /// <summary>Successful commits so far.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Changes those commits carried (repeats to one key counted).</summary>
    public long ChangesCommitted => Interlocked.Read(ref _changes);

    /// <summary>Rows those commits wrote.</summary>
    public long RowsWritten => Interlocked.Read(ref _rows);

    /// <summary>Time spent inside commits (write and fsync).</summary>
    public TimeSpan CommitTime => TimeSpan.FromTicks(Interlocked.Read(ref _commitTicks));

    /// <summary>
    /// Opens (creating and migrating) the database, imports a legacy <c>mesh-state.json</c> once into a new one,
    /// and returns what it holds. Throws <see cref="StateStoreException"/> naming the file when it cannot.
    /// </summary>
    public MeshState Open(string nodeId, string enforcer)
    {
        try
        {
            Directory.CreateDirectory(DataDirectory);
            _db = OpenChecked();
            bool fresh = StateSchema.ReadVersion(_db) == 0;
            StateSchema.Migrate(_db, FilePath);
            _statements = new Statements(_db);
            if (fresh)
            {
                ImportLegacy();
            }
            var state = StateDatabase.ReadState(_db);
            LoadedSeen = StateDatabase.ReadSeen(_db, _time.GetUtcNow());
            LoadedLate = StateDatabase.ReadLate(_db, _time.GetUtcNow());
            WriteMeta(nodeId, enforcer);
            return state;
        }
        catch (SqliteException ex)
        {
            throw new StateStoreException($"{FilePath}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// True when the database failed <c>PRAGMA quick_check</c> at open and was moved aside: the node starts empty and
    /// adopts the blocks the kernel holds instead of removing them.
    /// </summary>
    public bool StartedAfterCorruption { get; private set; }

    /// <summary>Where commits read the current value of a changed key.</summary>
    public void Attach(Func<IPAddress, StagedEntry?> findStaged, Func<string, PeerReputation?> findReputation, Func<IReadOnlyList<PersistedPeer>> peers,
        Func<IPAddress, LateConfirmation?>? findLate = null)
    {
        _findStaged = findStaged;
        _findReputation = findReputation;
        _peers = peers;
        _findLate = findLate ?? (_ => null);
    }

    /// <summary>Starts the writer thread.</summary>
    public void Start()
    {
        if (_writer is not null || _db is null)
        {
            return;
        }
        _lastPrune = Stopwatch.GetTimestamp();
        // A thread of its own: a commit blocks in fsync, and must not hold a pool thread the pipeline needs.
        _writer = new Thread(Run) { IsBackground = true, Name = "mesh-state-writer" };
        _writer.Start();
    }

    public void StagedChanged(IPAddress ip)
    {
        lock (_gate)
        {
            _pending.Staged.Add(ip);
            _pending.Recorded++;
        }
    }

    public void ReputationChanged(string nodeId)
    {
        lock (_gate)
        {
            _pending.Reputations.Add(nodeId);
            _pending.Recorded++;
        }
    }

    public void LateChanged(IPAddress ip)
    {
        lock (_gate)
        {
            _pending.Late.Add(ip);
            _pending.Recorded++;
        }
    }

    public void PeersChanged()
    {
        lock (_gate)
        {
            _pending.Peers = true;
            _pending.Recorded++;
        }
    }

    /// <summary>
    /// An accepted signal: refused as a replay until <paramref name="seenUntil"/>, in the partition of a known signer when
    /// <paramref name="known"/>; a discarded one remembered until <paramref name="rememberUntil"/>.
    /// </summary>
    public void SignalAccepted(ReadOnlySpan<byte> signature, DateTimeOffset seenUntil, bool known, string nodeId, IPAddress ip, DateTimeOffset? rememberUntil)
    {
        if (signature.Length < 16)
        {
            return;
        }
        var row = new SignalRow(BinaryPrimitives.ReadUInt128LittleEndian(signature), seenUntil,
            rememberUntil is null ? null : nodeId, rememberUntil is null ? null : ip, rememberUntil, null, known);
        lock (_gate)
        {
            _pending.Signals.Add(row);
            _pending.Recorded++;
        }
    }

    /// <summary>The remembered signals of <paramref name="ip"/> were credited: they are not restored again.</summary>
    public void RememberedTaken(IPAddress ip)
    {
        lock (_gate)
        {
            _pending.Signals.Add(new SignalRow(default, default, null, null, null, ip));
            _pending.Recorded++;
        }
    }

    /// <summary>Completes when everything recorded before the call is committed; faults with <see cref="StateStoreException"/> when that commit failed.</summary>
    public Task CommitAsync()
    {
        Task task;
        lock (_gate)
        {
            if (_writer is null)
            {
                // Never opened (the node did not start): nothing it recorded was acknowledged to anyone.
                return Task.CompletedTask;
            }
            if (!_pending.IsEmpty)
            {
                task = _pending.Done.Task;
            }
            else if (_inflight is { } running)
            {
                return running.Done.Task;
            }
            else
            {
                return Task.CompletedTask;
            }
        }
        Kick();
        return task;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            try
            {
                await CommitAsync();
            }
            catch (StateStoreException)
            {
                // Logged by the writer; what could not be written is lost with the process, as it would be on a crash.
            }
            _stopping = true;
            Kick();
            _writer.Join();
            _writer = null;
        }
        _statements?.Dispose();
        _statements = null;
        _db?.Dispose();
        _db = null;
        _kick.Dispose();
    }

    private void Kick()
    {
        try
        {
            if (_kick.CurrentCount == 0)
            {
                _kick.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already kicked.
        }
        catch (ObjectDisposedException)
        {
            // Disposed: nothing left to commit.
        }
    }

    private void Run()
    {
        while (true)
        {
            bool retry;
            lock (_gate)
            {
                retry = !_pending.IsEmpty;
            }
            if (!retry)
            {
                if (_stopping)
                {
                    return;
                }
                _kick.Wait();
            }
            else if (_failing)
            {
                // A failed commit is retried when someone waits for one (a kick) or after a second, not in a spin.
                _kick.Wait(RetryInterval);
            }
            StateChanges batch;
            lock (_gate)
            {
                if (_pending.IsEmpty)
                {
                    continue;
                }
                batch = _pending;
                _pending = new StateChanges();
                _inflight = batch;
            }
            Exception? failure = null;
            try
            {
                Write(batch);
            }
            catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
            {
                failure = ex;
            }
            lock (_gate)
            {
                _inflight = null;
                if (failure is not null)
                {
                    _pending.Absorb(batch);
                }
            }
            if (failure is null)
            {
                Recovered();
                batch.Done.TrySetResult();
            }
            else
            {
                var reason = Reason(failure);
                Failed(reason, failure);
                batch.Done.TrySetException(new StateStoreException($"state not saved ({FilePath}): {reason}", failure));
                if (_stopping)
                {
                    // Shutting down with a store that cannot be written: give up after this attempt (logged).
                    lock (_gate)
                    {
                        _pending = new StateChanges();
                    }
                }
            }
        }
    }

    private void Write(StateChanges batch)
    {
        var db = _db!;
        var s = _statements!;
        var now = _time.GetUtcNow();
        long started = Stopwatch.GetTimestamp();
        int rows = 0;
        using (var transaction = db.BeginTransaction())
        {
            s.Bind(transaction);
            rows += WriteCurrent(batch.Staged, _findStaged, (ip, entry) => s.UpsertStaged(ip.ToString(), entry), ip => s.DeleteStaged(ip.ToString()));
            rows += WriteCurrent(batch.Reputations, _findReputation, (_, rep) => s.UpsertReputation(rep), s.DeleteReputation);
            rows += WriteCurrent(batch.Late, _findLate, (ip, late) => s.UpsertLate(ip.ToString(), late), ip => s.DeleteLate(ip.ToString()));
            foreach (var row in batch.Signals)
            {
                if (row.TakenIp is { } taken)
                {
                    s.TakeRemembered(taken.ToString());
                }
                else
                {
                    s.InsertSignal(row);
                    _sinceTrim[row.Known ? 1 : 0]++;
                }
                rows++;
            }
            if (batch.Peers)
            {
                rows += s.ReplacePeers(_peers());
            }
            bool prune = _trimOnFirstCommit || Stopwatch.GetElapsedTime(_lastPrune) >= PruneInterval;
            if (prune)
            {
                rows += s.Prune(now);
                _lastPrune = Stopwatch.GetTimestamp();
            }
            // A sixteenth of the bound between trims: each deletes few enough rows not to stall the acknowledgements waiting
            // on its commit, for an amortised index walk of 16 entries per row written.
            int trimEvery = Math.Max(1, _seenCapacity / TrimFraction);
            for (int partition = 0; partition < 2; partition++)
            {
                if (prune || _sinceTrim[partition] >= trimEvery)
                {
                    rows += s.TrimPartition(partition, _seenCapacity);
                    _sinceTrim[partition] = 0;
                }
            }
            s.SetMeta("saved_at", StateDatabase.ToMs(now).ToString(CultureInfo.InvariantCulture));
            transaction.Commit();
        }
        _trimOnFirstCommit = false;
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _changes, batch.Recorded);
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _commitTicks, Stopwatch.GetElapsedTime(started).Ticks);
    }

    /// <summary>Writes each changed key as it is now: its current value, or a delete when it is gone. Returns the rows written.</summary>
    private static int WriteCurrent<TKey, TValue>(IEnumerable<TKey> keys, Func<TKey, TValue?> find, Action<TKey, TValue> upsert, Action<TKey> delete)
        where TValue : class
    {
        int rows = 0;
        foreach (var key in keys)
        {
            if (find(key) is { } value)
            {
                upsert(key, value);
            }
            else
            {
                delete(key);
            }
            rows++;
        }
        return rows;
    }

    /// <summary>Opens the database; one that is not sound is moved aside (with its -wal and -shm) and a new one created.</summary>
    private SqliteConnection OpenChecked()
    {
        if (!File.Exists(FilePath))
        {
            return StateDatabase.OpenWriter(FilePath);
        }
        SqliteConnection? db = null;
        string? problem;
        try
        {
            db = StateDatabase.OpenWriter(FilePath);
            problem = StateDatabase.QuickCheck(db);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            // SQLITE_CORRUPT, SQLITE_NOTADB: what quick_check would have said.
            problem = ex.Message;
        }
        if (problem is null)
        {
            return db!;
        }
        db?.Dispose();
        var aside = FilePath + ".corrupt-" + _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        File.Move(FilePath, aside);
        foreach (var suffix in new[] { "-wal", "-shm" })
        {
            if (File.Exists(FilePath + suffix))
            {
                File.Move(FilePath + suffix, aside + suffix);
            }
        }
        LogCorrupt(_logger, FilePath, problem, aside);
        StartedAfterCorruption = true;
        return StateDatabase.OpenWriter(FilePath);
    }

    private void WriteMeta(string nodeId, string enforcer)
    {
        using var transaction = _db!.BeginTransaction();
        _statements!.Bind(transaction);
        _statements.SetMeta("node_id", nodeId);
        _statements.SetMeta("enforcer", enforcer);
        transaction.Commit();
    }

    /// <summary>A new database next to a legacy state file: the file's content becomes the first transaction, then the file is renamed.</summary>
    private void ImportLegacy()
    {
        var legacy = Path.Combine(DataDirectory, LegacyStateFile.FileName);
        if (!File.Exists(legacy))
        {
            return;
        }
        var read = LegacyStateFile.TryRead(legacy);
        if (read.State is not { } state)
        {
            // Not importable: keep it where an operator finds it, under a name that is not read again.
            var aside = legacy + ".corrupt-" + _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            File.Move(legacy, aside);
            LogImportFailed(_logger, read.Error ?? legacy, aside);
            return;
        }
        var s = _statements!;
        using (var transaction = _db!.BeginTransaction())
        {
            s.Bind(transaction);
            foreach (var entry in state.Staged)
            {
                if (entry.ToEntry() is { } staged)
                {
                    s.UpsertStaged(staged.Ip.ToString(), staged);
                }
            }
            foreach (var rep in state.Reputations)
            {
                s.UpsertReputation(rep);
            }
            s.ReplacePeers(state.Peers);
            // When the imported state was last saved, until this node commits anything of its own.
            s.SetMeta("saved_at", StateDatabase.ToMs(state.SavedAt).ToString(CultureInfo.InvariantCulture));
            // The legacy file kept no replay set; remembered signals get a key of their own (never a real signature's:
            // those are random, these count from zero) and no replay window.
            ulong sequence = 0;
            foreach (var remembered in state.Remembered)
            {
                if (IPAddress.TryParse(remembered.Ip, out var ip))
                {
                    s.InsertSignal(new SignalRow(new UInt128(0, ++sequence), default, remembered.NodeId, ip, remembered.ExpiresAt, null));
                }
            }
            transaction.Commit();
        }
        // The database has it now (committed, synced); the rename makes sure it is never imported twice.
        File.Move(legacy, legacy + LegacyStateFile.ImportedSuffix, overwrite: true);
        LogImported(_logger, legacy, state.Staged.Count, state.Reputations.Count, state.Remembered.Count, FilePath);
    }

    private static string Reason(Exception ex) => ex switch
    {
        SqliteException { SqliteErrorCode: 13 } => "disk full (SQLITE_FULL)",
        SqliteException { SqliteErrorCode: 8 } => "read-only (SQLITE_READONLY)",
        SqliteException { SqliteErrorCode: 10 } => "I/O error (SQLITE_IOERR)",
        SqliteException sqlite => $"{sqlite.Message} (SQLite error {sqlite.SqliteErrorCode})",
        _ => ex.Message,
    };

    private void Failed(string reason, Exception ex)
    {
        _failing = true;
        _failuresSinceLog++;
        if (_lastFailureLog == 0 || Stopwatch.GetElapsedTime(_lastFailureLog) >= FailureLogInterval)
        {
            LogCommitFailed(_logger, FilePath, reason, _failuresSinceLog, ex);
            _lastFailureLog = Stopwatch.GetTimestamp();
            _failuresSinceLog = 0;
        }
    }

    private void Recovered()
    {
        if (!_failing)
        {
            return;
        }
        _failing = false;
        _lastFailureLog = 0;
        _failuresSinceLog = 0;
        LogRecovered(_logger, FilePath);
    }

    /// <summary>The prepared statements of the writing connection.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly SqliteCommand _upsertStaged;
        private readonly SqliteCommand _deleteStaged;
        private readonly SqliteCommand _upsertReputation;
        private readonly SqliteCommand _deleteReputation;
        private readonly SqliteCommand _insertSignal;
        private readonly SqliteCommand _takeRemembered;
        private readonly SqliteCommand _deletePeers;
        private readonly SqliteCommand _insertPeer;
        private readonly SqliteCommand _prune;
        private readonly SqliteCommand _trimCutoff;
        private readonly SqliteCommand _trim;
        private readonly SqliteCommand _upsertLate;
        private readonly SqliteCommand _deleteLate;
        private readonly SqliteCommand _pruneLate;
        private readonly SqliteCommand _setMeta;
        private readonly SqliteCommand[] _all;

        public Statements(SqliteConnection db)
        {
            _upsertStaged = Prepare(db, """
                INSERT OR REPLACE INTO staged (ip, action, score, detector, staged_at, expires_at, contributors, confirmed, local, votes)
                VALUES ($ip, $action, $score, $detector, $staged_at, $expires_at, $contributors, $confirmed, $local, $votes)
                """, "$ip", "$action", "$score", "$detector", "$staged_at", "$expires_at", "$contributors", "$confirmed", "$local", "$votes");
            _deleteStaged = Prepare(db, "DELETE FROM staged WHERE ip = $ip", "$ip");
            _upsertReputation = Prepare(db, """
                INSERT OR REPLACE INTO reputations (node_id, trust, confirmed, contradicted, signals_received, quarantined_until, first_seen, last_seen, vouched)
                VALUES ($node_id, $trust, $confirmed, $contradicted, $signals_received, $quarantined_until, $first_seen, $last_seen, $vouched)
                """, "$node_id", "$trust", "$confirmed", "$contradicted", "$signals_received", "$quarantined_until", "$first_seen", "$last_seen", "$vouched");
            _deleteReputation = Prepare(db, "DELETE FROM reputations WHERE node_id = $node_id", "$node_id");
            _insertSignal = Prepare(db, """
                INSERT OR REPLACE INTO signals (signature, seen_until, node_id, ip, remember_until, known)
                VALUES ($signature, $seen_until, $node_id, $ip, $remember_until, $known)
                """, "$signature", "$seen_until", "$node_id", "$ip", "$remember_until", "$known");
            _takeRemembered = Prepare(db, "UPDATE signals SET remember_until = NULL, node_id = NULL, ip = NULL WHERE ip = $ip AND remember_until IS NOT NULL", "$ip");
            _deletePeers = Prepare(db, "DELETE FROM peers");
            _insertPeer = Prepare(db, """
                INSERT OR REPLACE INTO peers (endpoint, public_key, label, source, reachable, last_contact, circuit, pending_deliveries, problem)
                VALUES ($endpoint, $public_key, $label, $source, $reachable, $last_contact, $circuit, $pending, $problem)
                """, "$endpoint", "$public_key", "$label", "$source", "$reachable", "$last_contact", "$circuit", "$pending", "$problem");
            _prune = Prepare(db, "DELETE FROM signals WHERE seen_until <= $now AND (remember_until IS NULL OR remember_until <= $now)", "$now");
            _upsertLate = Prepare(db, "INSERT OR REPLACE INTO late_confirmations (ip, contributors, until) VALUES ($ip, $contributors, $until)",
                "$ip", "$contributors", "$until");
            _deleteLate = Prepare(db, "DELETE FROM late_confirmations WHERE ip = $ip", "$ip");
            _pruneLate = Prepare(db, "DELETE FROM late_confirmations WHERE until <= $now", "$now");
            // The newest row a partition does not keep (none while it holds no more than its bound), in the order of the
            // signals_partition index: the signature breaks ties, as a flood writes many rows in one millisecond.
            _trimCutoff = Prepare(db, "SELECT seen_until, signature FROM signals WHERE known = $known ORDER BY seen_until DESC, signature DESC LIMIT 1 OFFSET $keep",
                "$known", "$keep");
            _trim = Prepare(db, "DELETE FROM signals WHERE known = $known AND (seen_until < $until OR (seen_until = $until AND signature <= $signature))",
                "$known", "$until", "$signature");
            _setMeta = Prepare(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)", "$key", "$value");
            _all = [_upsertStaged, _deleteStaged, _upsertReputation, _deleteReputation, _insertSignal, _takeRemembered, _deletePeers, _insertPeer, _prune,
                _trimCutoff, _trim, _upsertLate, _deleteLate, _pruneLate, _setMeta];
        }

        public void Bind(SqliteTransaction transaction)
        {
            foreach (var command in _all)
            {
                command.Transaction = transaction;
            }
        }

        public void UpsertStaged(string ip, StagedEntry e) => Run(_upsertStaged, ip, e.Action.ToWire(), e.Score, e.Detector,
            StateDatabase.ToMs(e.StagedAt), StateDatabase.ToMs(e.ExpiresAt), string.Join(',', e.Contributors), e.Confirmed ? 1 : 0, e.Local ? 1 : 0,
            VotesText.Write(e.Votes));

        public void DeleteStaged(string ip) => Run(_deleteStaged, ip);

        public void UpsertReputation(PeerReputation r) => Run(_upsertReputation, r.NodeId, r.Trust, r.Confirmed, r.Contradicted, r.SignalsReceived,
            r.QuarantinedUntil is { } q ? StateDatabase.ToMs(q) : null, StateDatabase.ToMs(r.FirstSeen), StateDatabase.ToMs(r.LastSeen), r.Vouched ? 1 : 0);

        public void DeleteReputation(string nodeId) => Run(_deleteReputation, nodeId);

        public void InsertSignal(SignalRow row)
        {
            var key = new byte[16];
            BinaryPrimitives.WriteUInt128LittleEndian(key, row.Key);
            Run(_insertSignal, key, StateDatabase.ToMs(row.SeenUntil), row.NodeId, row.Ip?.ToString(),
                row.RememberUntil is { } until ? StateDatabase.ToMs(until) : null, row.Known ? 1 : 0);
        }

        public void TakeRemembered(string ip) => Run(_takeRemembered, ip);

        public int ReplacePeers(IReadOnlyList<PersistedPeer> peers)
        {
            Run(_deletePeers);
            foreach (var p in peers)
            {
                Run(_insertPeer, p.Endpoint, p.PublicKey, p.Label, p.Source, p.Reachable is { } r ? (r ? 1 : 0) : null,
                    p.LastContact is { } c ? StateDatabase.ToMs(c) : null, p.Circuit, p.PendingDeliveries, p.Problem);
            }
            return peers.Count + 1;
        }

        public int Prune(DateTimeOffset now) => Run(_prune, StateDatabase.ToMs(now)) + Run(_pruneLate, StateDatabase.ToMs(now));

        public void UpsertLate(string ip, LateConfirmation late) => Run(_upsertLate, ip, string.Join(',', late.Contributors), StateDatabase.ToMs(late.Until));

        public void DeleteLate(string ip) => Run(_deleteLate, ip);

        /// <summary>Deletes the rows of a partition (1 known, 0 unknown) past its newest <paramref name="keep"/>, oldest first.</summary>
        public int TrimPartition(int known, int keep)
        {
            _trimCutoff.Parameters[0].Value = known;
            _trimCutoff.Parameters[1].Value = keep;
            long until;
            byte[] signature;
            using (var reader = _trimCutoff.ExecuteReader())
            {
                if (!reader.Read())
                {
                    return 0;
                }
                until = reader.GetInt64(0);
                signature = (byte[])reader.GetValue(1);
            }
            return Run(_trim, known, until, signature);
        }

        public void SetMeta(string key, string value) => Run(_setMeta, key, value);

        public void Dispose()
        {
            _upsertStaged.Dispose();
            _deleteStaged.Dispose();
            _upsertReputation.Dispose();
            _deleteReputation.Dispose();
            _insertSignal.Dispose();
            _takeRemembered.Dispose();
            _deletePeers.Dispose();
            _insertPeer.Dispose();
            _prune.Dispose();
            _trimCutoff.Dispose();
            _trim.Dispose();
            _upsertLate.Dispose();
            _deleteLate.Dispose();
            _pruneLate.Dispose();
            _setMeta.Dispose();
        }

        private static int Run(SqliteCommand command, params object?[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
            return command.ExecuteNonQuery();
        }

        private static SqliteCommand Prepare(SqliteConnection db, string sql, params string[] names)
        {
            var command = StateDatabase.Command(db, sql);
            foreach (var name in names)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            return command;
        }
    }

    [LoggerMessage(EventId = 3404, Level = LogLevel.Critical, Message = "state database {Path} is corrupt ({Problem}): moved aside to {Aside}; starting empty and adopting the blocks the firewall holds")]
    private static partial void LogCorrupt(ILogger logger, string path, string problem, string aside);

    [LoggerMessage(EventId = 3400, Level = LogLevel.Error, Message = "state not saved to {Path}: {Reason}; replies answer 503 until it can be written ({Failures} failed commits since the last report)")]
    private static partial void LogCommitFailed(ILogger logger, string path, string reason, int failures, Exception exception);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "state is saved to {Path} again")]
    private static partial void LogRecovered(ILogger logger, string path);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "imported {Legacy} into {Database}: {Staged} staged entries, {Reputations} reputations, {Remembered} remembered signals; the file is renamed *.imported")]
    private static partial void LogImported(ILogger logger, string legacy, int staged, int reputations, int remembered, string database);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Critical, Message = "legacy state file unreadable ({Error}); moved aside to {Aside}, not imported")]
    private static partial void LogImportFailed(ILogger logger, string error, string aside);
}

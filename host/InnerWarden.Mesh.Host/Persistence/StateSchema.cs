using Microsoft.Data.Sqlite;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// The tables of <c>mesh.db</c>, created and upgraded by numbered migrations recorded in <c>PRAGMA user_version</c>.
/// Times are Unix milliseconds (UTC); addresses and node ids are text as the CLI and <c>sqlite3</c> show them.
/// </summary>
internal static class StateSchema
{
    /// <summary>Migration <c>i</c> takes the database from version <c>i</c> to <c>i + 1</c>; never edit a shipped one, append.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE staged (
            ip TEXT PRIMARY KEY, action TEXT NOT NULL, score REAL NOT NULL, detector TEXT NOT NULL,
            staged_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, contributors TEXT NOT NULL,
            confirmed INTEGER NOT NULL, local INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE reputations (
            node_id TEXT PRIMARY KEY, trust REAL NOT NULL, confirmed INTEGER NOT NULL, contradicted INTEGER NOT NULL,
            signals_received INTEGER NOT NULL, quarantined_until INTEGER, first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL, vouched INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE peers (
            endpoint TEXT PRIMARY KEY, public_key TEXT, label TEXT, source TEXT NOT NULL, reachable INTEGER,
            last_contact INTEGER, circuit TEXT, pending_deliveries INTEGER) WITHOUT ROWID;
        -- One row per accepted signal: its signature's first 128 bits refuse a replay until seen_until; a discarded
        -- one also carries who reported which address until remember_until (credited by a later local detection).
        CREATE TABLE signals (
            signature BLOB PRIMARY KEY, seen_until INTEGER NOT NULL, node_id TEXT, ip TEXT, remember_until INTEGER) WITHOUT ROWID;
        CREATE INDEX signals_remembered ON signals (ip) WHERE remember_until IS NOT NULL;
        CREATE INDEX signals_expiry ON signals (seen_until);
        """,
        // The signers' votes of a staged entry, for combining reports of independent signers (VotesText); null: none.
        "ALTER TABLE staged ADD COLUMN votes TEXT;",
        // The partition of the replay record a signal belongs to (SeenSignals): 1 for a signer this node knows, 0 for
        // everyone else; each partition's rows are trimmed to its bound, oldest first (the index). Rows written before
        // the partitions existed count as known: they expire within the 65 minute window (or when remembered, with their
        // TTL), and there they cannot be pushed out by a flood after the upgrade, so the upgrade opens no replay gap.
        """
        ALTER TABLE signals ADD COLUMN known INTEGER NOT NULL DEFAULT 1;
        CREATE INDEX signals_partition ON signals (known, seen_until);
        """,
        // Blocks that expired unconfirmed: who was debited (comma-separated node ids), credited back by a local
        // detection of the address until `until` (LateConfirmations).
        "CREATE TABLE late_confirmations (ip TEXT PRIMARY KEY, contributors TEXT NOT NULL, until INTEGER NOT NULL) WITHOUT ROWID;",
        // Why the transport's last attempt to reach a peer failed (PeerLinkStatus.Problem); null while it answers.
        "ALTER TABLE peers ADD COLUMN problem TEXT;",
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>Runs the migrations the database lacks, each in its own transaction with its version bump.</summary>
    public static void Migrate(SqliteConnection connection, string path) => Migrate(connection, path, CurrentVersion);

    /// <summary>Runs the migrations up to <paramref name="target"/> (tests build a database of an older release with it).</summary>
    internal static void Migrate(SqliteConnection connection, string path, int target)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, CurrentVersion);
        int version = ReadVersion(connection);
        if (version > CurrentVersion)
        {
            throw new StateStoreException($"{path}: schema version {version} is newer than this build's {CurrentVersion} (a downgrade); refusing to touch it");
        }
        for (; version < target; version++)
        {
            using var transaction = connection.BeginTransaction();
            // user_version takes no parameter; the value is our own integer.
            using (var command = StateDatabase.Command(connection, Migrations[version] + $"\nPRAGMA user_version = {version + 1};"))
            {
                command.Transaction = transaction;
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    public static int ReadVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

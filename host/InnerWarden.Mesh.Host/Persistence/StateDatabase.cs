using System.Globalization;
using System.Net;
using InnerWarden.Mesh.Contracts.Peers;
using Microsoft.Data.Sqlite;

namespace InnerWarden.Mesh.Host.Persistence;

/// <summary>
/// Opens <c>&lt;data_dir&gt;/mesh.db</c> and reads it back: the agent's one writing connection, and read-only ones
/// for the CLI. WAL journal: readers see the last commit and never block the writer, nor it them.
/// </summary>
internal static class StateDatabase
{
    public const string FileName = "mesh.db";

    /// <summary>The agent's connection, creating the file and the schema when missing.</summary>
    public static SqliteConnection OpenWriter(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Not pooled: closing must really close the file (a corrupt one is moved aside, a test restarts).
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            // synchronous=FULL: in WAL mode every COMMIT fsyncs the WAL before it returns, so a committed transaction
            // survives power loss as well as kill -9 (NORMAL syncs only at checkpoints: a kill -9 keeps the commit, a power
            // cut may lose the last ones, and "acknowledged" would then be a lie). Group commit keeps the fsyncs few.
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A read-only connection (the CLI): never creates the database, never writes it.</summary>
    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 5000;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Null when <c>PRAGMA quick_check</c> finds the file sound, else what it reported.</summary>
    public static string? QuickCheck(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check";
        using var reader = command.ExecuteReader();
        var problems = new List<string>();
        while (reader.Read())
        {
            problems.Add(reader.GetString(0));
        }
        return problems is ["ok"] ? null : string.Join("; ", problems.Take(5));
    }

    /// <summary>Everything the node restores (the replay set aside): staging pool, remembered signals, reputations, peers.</summary>
    public static MeshState ReadState(SqliteConnection connection)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = Command(connection, "SELECT key, value FROM meta"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                meta[reader.GetString(0)] = reader.GetString(1);
            }
        }
        var staged = new List<PersistedEntry>();
        using (var command = Command(connection, "SELECT ip, action, score, detector, staged_at, expires_at, contributors, confirmed, local, votes FROM staged"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var contributors = reader.GetString(6);
                staged.Add(new PersistedEntry(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetString(3),
                    FromMs(reader.GetInt64(4)), FromMs(reader.GetInt64(5)),
                    contributors.Length == 0 ? [] : contributors.Split(','), reader.GetInt64(7) != 0, reader.GetInt64(8) != 0,
                    VotesText.Read(reader.IsDBNull(9) ? null : reader.GetString(9))));
            }
        }
        var reputations = new List<PeerReputation>();
        using (var command = Command(connection,
            "SELECT node_id, trust, confirmed, contradicted, signals_received, quarantined_until, first_seen, last_seen, vouched FROM reputations"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                reputations.Add(new PeerReputation(reader.GetString(0), reader.GetDouble(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.GetInt64(4), reader.IsDBNull(5) ? null : FromMs(reader.GetInt64(5)), FromMs(reader.GetInt64(6)),
                    FromMs(reader.GetInt64(7)), reader.GetInt64(8) != 0));
            }
        }
        var peers = new List<PersistedPeer>();
        using (var command = Command(connection,
            "SELECT endpoint, public_key, label, source, reachable, last_contact, circuit, pending_deliveries, problem FROM peers"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                peers.Add(new PersistedPeer(reader.GetString(0), NullableString(reader, 1), NullableString(reader, 2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4) != 0, reader.IsDBNull(5) ? null : FromMs(reader.GetInt64(5)),
                    NullableString(reader, 6), reader.IsDBNull(7) ? null : reader.GetInt32(7), NullableString(reader, 8)));
            }
        }
        var remembered = new List<PersistedRemembered>();
        using (var command = Command(connection,
            "SELECT ip, node_id, MAX(remember_until) FROM signals WHERE remember_until IS NOT NULL GROUP BY ip, node_id"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                remembered.Add(new PersistedRemembered(reader.GetString(0), reader.GetString(1), FromMs(reader.GetInt64(2))));
            }
        }
        var savedAt = meta.TryGetValue("saved_at", out var saved) && long.TryParse(saved, CultureInfo.InvariantCulture, out long ms)
            ? FromMs(ms) : DateTimeOffset.UnixEpoch;
        return new MeshState(MeshState.CurrentVersion, meta.GetValueOrDefault("node_id"), meta.GetValueOrDefault("enforcer"), savedAt,
            peers, reputations, staged, remembered);
    }

    /// <summary>The signatures (first 128 bits) still inside the replay window at <paramref name="now"/> with their partition, oldest first.</summary>
    public static List<(UInt128 Key, DateTimeOffset Until, bool Known)> ReadSeen(SqliteConnection connection, DateTimeOffset now)
    {
        var seen = new List<(UInt128, DateTimeOffset, bool)>();
        using var command = Command(connection, "SELECT signature, seen_until, known FROM signals WHERE seen_until > $now ORDER BY seen_until");
        command.Parameters.AddWithValue("$now", ToMs(now));
        using var reader = command.ExecuteReader();
        var key = new byte[16];
        while (reader.Read())
        {
            if (reader.GetBytes(0, 0, key, 0, 16) == 16)
            {
                seen.Add((System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(key), FromMs(reader.GetInt64(1)), reader.GetInt64(2) != 0));
            }
        }
        return seen;
    }

    /// <summary>The late-confirmation entries still inside their window at <paramref name="now"/>.</summary>
    public static List<LateConfirmation> ReadLate(SqliteConnection connection, DateTimeOffset now)
    {
        var late = new List<LateConfirmation>();
        using var command = Command(connection, "SELECT ip, contributors, until FROM late_confirmations WHERE until > $now");
        command.Parameters.AddWithValue("$now", ToMs(now));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var contributors = reader.GetString(1);
            if (IPAddress.TryParse(reader.GetString(0), out var ip) && contributors.Length > 0)
            {
                late.Add(new LateConfirmation(ip, contributors.Split(','), FromMs(reader.GetInt64(2))));
            }
        }
        return late;
    }

    public static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }

#pragma warning disable CA2100 // Our own constant SQL; every value goes in as a parameter.
    public static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
#pragma warning restore CA2100

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

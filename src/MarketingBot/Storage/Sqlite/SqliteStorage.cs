using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace MarketingBot.Storage.Sqlite;

/// <summary>
/// One SQLite file, for one instance. An accepted delivery is appended to the <see cref="IntakeJournal"/>
/// and acknowledged once that is on disk (during a burst: once it is written); the journal is copied into
/// the tables in large transactions on the connection everything else shares: before a claim, before a
/// read of the deliveries, and by the upkeep loop. Intake thus writes each body once and takes no lock the
/// processing side holds. Checkpoints are taken by the upkeep loop, and by the worker connection's commits once
/// the log passes <see cref="CheckpointPages"/>; the intake's connection never takes one.
/// </summary>
/// <remarks>
/// During a burst (<c>intakeBusy</c>) the copying steps back: a claim copies only as many records as it may
/// take, and the upkeep none, unless <see cref="MaxBacklog"/> are left uncopied. Copying a record costs more of
/// the core than accepting it (its row and three index entries, written to the WAL and again by the
/// checkpoint), and the journal already keeps it safe. The backlog is copied once the burst is over.
/// <para>
/// A burst also leaves the journal's flush to disk to the upkeep, every <see cref="UpkeepInterval"/>: a delivery
/// is acknowledged once it is written. A killed process does not undo that, just as it does not undo the
/// tables' own commits (<c>synchronous=NORMAL</c>). Waiting for the disk before each answer cost a fifth of
/// the intake flat out; a power cut in a burst can now lose up to that interval of acknowledged deliveries.
/// </para>
/// </remarks>
internal sealed class SqliteStorage : StorageEngine
{
    /// <summary>Journal records copied per use of the connection: enough that a transaction writes the tables' pages once for many rows, few enough that a burst of intake is not held up by the copying.</summary>
    private const int IndexBatch = 256;

    /// <summary>Records the upkeep copies per tick while the intake has room: a backlog of a burst goes at up to 10,000 a second, with a checkpoint in between.</summary>
    private const int CatchUpPerTick = 8 * IndexBatch;

    /// <summary>
    /// Log pages (6 MB) past which a commit of the worker connection, the only one that writes, checkpoints. Left to the
    /// upkeep alone, the log outgrew its checkpoints: claims copy the journal a step each, as fast as deliveries are
    /// processed, and after a burst the log reached 1.3 GB; its write-back later held the journal's flushes (and the
    /// answers waiting on them) for up to half a second.
    /// </summary>
    private const int CheckpointPages = 1536;

    /// <summary>
    /// Deliveries left uncopied past which the copying goes on even in a burst, so that a burst that does not end
    /// cannot grow the set of their GUIDs (and the journal) without end. The benchmark's 45 s flat out leaves about
    /// 430,000, within the memory target.
    /// </summary>
    internal const int MaxBacklog = 500_000;

    private readonly string _connectionString;
    private readonly SqliteConnection _intake;
    private readonly SqliteCommand _lookup;
    private readonly SqliteConnection _worker;
    private readonly StorageThread _workerThread = new("SQLite worker");
    private readonly IntakeJournal _journal;
    private readonly Func<bool> _intakeBusy;
    private readonly int _maxBacklog;

    // Deliveries in the journal but not yet in the tables, so that a repeat of one is known as one. Each is
    // removed only after its row is committed: a repeat finds it here or, after that, in the table. A burst
    // leaves hundreds of thousands here, so each is kept as a 128-bit hash of its GUID (16 bytes, not a
    // 100-byte string); two GUIDs sharing one is a chance of about 1 in 10^26 per million deliveries. The
    // hash is held as two 64-bit halves: UInt128's 16-byte alignment pads each set entry to 32 bytes, the
    // halves to 24 (33 instead of 42 MB a million, with the set's buckets).
    private readonly HashSet<(ulong, ulong)> _unindexed = [];
    private readonly Lock _unindexedGate = new();
    private JournalPosition _indexed;

    private SqliteStorage(string connectionString, Func<bool> intakeBusy, int maxBacklog)
    {
        _connectionString = connectionString;
        _intakeBusy = intakeBusy;
        _maxBacklog = maxBacklog;
        _worker = OpenConnection();
        _worker.Execute($"PRAGMA wal_autocheckpoint={CheckpointPages}");
        Migrate(_worker);
        // The tables' commits skip their own flush to disk: the journal already holds every accepted delivery,
        // and a commit lost to a power cut is copied again from it, or at worst forgets that the last
        // deliveries were done, and they are processed again. A commit that lets a journal file go is FULL.
        _worker.Execute("PRAGMA synchronous=NORMAL");
        _indexed = ReadIndexedPosition();
        _journal = IntakeJournal.Open(new SqliteConnectionStringBuilder(connectionString).DataSource + ".intake", _indexed);
        _intake = OpenConnection();
        _lookup = _intake.CreateCommand();
        _lookup.CommandText = "SELECT state, attempts FROM deliveries WHERE guid = @guid";
        _lookup.Set("@guid", "");
    }

    /// <param name="intakeBusy">Whether a burst of deliveries is going on, when the copying steps back; without it, never.</param>
    /// <param name="maxBacklog">Uncopied deliveries past which the copying goes on in a burst (<see cref="MaxBacklog"/>).</param>
    public static SqliteStorage Open(string connectionString, Func<bool>? intakeBusy = null, int maxBacklog = MaxBacklog)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            return new SqliteStorage(builder.ToString(), intakeBusy ?? (() => false), maxBacklog);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            // SQLite's own message names neither the file nor the setting; the operator needs both.
            throw new InvalidOperationException(
                $"Storage__ConnectionString: could not open the SQLite file '{Path.GetFullPath(builder.DataSource)}' ({ex.Message.ReplaceLineEndings(" ")}). " +
                "Check that its folder exists and is writable, that the disk has room, and that the file is a MarketingBot database.", ex);
        }
    }

    public override string Location => $"SQLite {new SqliteConnectionStringBuilder(_connectionString).DataSource}";

    public override SqlDialect Dialect => SqlDialect.Sqlite;

    /// <summary>
    /// A checkpoint ends with a flush of the database file, and the journal's next flush waits behind it on the
    /// disk. Once a second, at 500 deliveries/s, that was a 20–27 ms checkpoint and a 12–17 ms wait for the
    /// intake (p99 12–22 ms); every 200 ms each checkpoint takes about 5 ms.
    /// </summary>
    public override TimeSpan UpkeepInterval => TimeSpan.FromMilliseconds(200);

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // A WAL file keeps the size it reached: a burst at full intake speed left it at 2-3 GB. After each
        // complete checkpoint it is cut back to 64 MB.
        connection.Execute("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864; PRAGMA busy_timeout=10000;");
        return connection;
    }

    /// <summary>Schema steps in order; a file at version N gets steps N+1 onwards, each in its own transaction.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            event TEXT NOT NULL,
            action TEXT,
            installation_id INTEGER,
            ordering_key TEXT,
            received_at INTEGER NOT NULL,
            body BLOB NOT NULL,
            body_length INTEGER NOT NULL,
            state INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            finished_at INTEGER);
        CREATE INDEX deliveries_ready ON deliveries(state, next_attempt_at, id);
        CREATE INDEX deliveries_ordering ON deliveries(ordering_key, id) WHERE state IN (0, 1);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
            attempt INTEGER NOT NULL,
            at INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            dry_run INTEGER NOT NULL,
            effects TEXT NOT NULL,
            error TEXT);
        CREATE INDEX audit_delivery ON audit(delivery_id);
        """,
        """
        CREATE TABLE board_cards (
            content_node_id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            status TEXT,
            archived INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE TABLE board_status_history (
            id INTEGER PRIMARY KEY,
            content_node_id TEXT NOT NULL,
            status TEXT NOT NULL,
            at INTEGER NOT NULL,
            moved_by TEXT NOT NULL);
        CREATE INDEX board_status_history_card ON board_status_history(content_node_id, at);
        """,
        // Which installation can see a card: polling reads each installation's cards with its own token.
        """
        ALTER TABLE board_cards ADD COLUMN installation_id INTEGER;
        CREATE INDEX board_cards_installation ON board_cards(installation_id);
        """,
        // Each person's latest word on a request, with the comment that said it; snoozed two-hour reminders.
        """
        CREATE TABLE approvals (
            issue TEXT NOT NULL,
            login TEXT NOT NULL COLLATE NOCASE,
            roles TEXT NOT NULL,
            approves INTEGER NOT NULL,
            note TEXT,
            comment_id INTEGER NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (issue, login));
        CREATE TABLE snoozes (
            item TEXT PRIMARY KEY,
            until INTEGER NOT NULL,
            by TEXT NOT NULL);
        """,
        // Scheduled job runs (one per job and occurrence, across restarts) and the two-hour reminders.
        """
        CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            occurrence INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            outcome TEXT,
            UNIQUE (job, occurrence));
        CREATE TABLE nags (
            item TEXT PRIMARY KEY,
            place TEXT NOT NULL,
            title TEXT NOT NULL,
            first_at INTEGER NOT NULL,
            last_at INTEGER NOT NULL,
            sent INTEGER NOT NULL,
            resolved_at INTEGER);
        CREATE INDEX nags_place ON nags(place);
        CREATE TABLE nag_log (
            id INTEGER PRIMARY KEY,
            item TEXT NOT NULL,
            at INTEGER NOT NULL,
            resolved INTEGER NOT NULL);
        """,
        // Each request as the monthly review counts it.
        """
        CREATE TABLE requests (
            node_id TEXT PRIMARY KEY,
            repository TEXT NOT NULL,
            number INTEGER NOT NULL,
            type TEXT NOT NULL,
            opened_at INTEGER NOT NULL,
            valid_at_open INTEGER,
            publish_date TEXT,
            completed_at INTEGER);
        """,
        // Claims walk the waiting rows in id order and stop at the first few ready ones; the old index
        // (state, next_attempt_at, id) made every claim sort the whole backlog (0.45 s with 150,000 waiting).
        // The dashboard's list of dead letters uses the same index.
        """
        DROP INDEX IF EXISTS deliveries_ready;
        CREATE INDEX deliveries_state ON deliveries(state, id);
        """,
        // How far the intake journal has been copied into the tables.
        """
        CREATE TABLE intake_journal (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            file INTEGER NOT NULL,
            offset INTEGER NOT NULL);
        INSERT INTO intake_journal VALUES (1, 1, 0);
        """,
        SharedMigrations.ContentPlannerQueue,
        SharedMigrations.BotComments,
        SharedMigrations.PlannerFirstWrite,
        SharedMigrations.SignInKeys,
        SharedMigrations.CampaignPlans,
        SharedMigrations.ClaimOrderingIndex,
    ];

    private static void Migrate(SqliteConnection connection)
    {
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        for (var applied = Convert.ToInt32(version.ExecuteScalar()); applied < Migrations.Length; applied++)
        {
            using var transaction = connection.BeginTransaction();
            connection.Execute(Migrations[applied] + $"PRAGMA user_version = {applied + 1};", transaction);
            transaction.Commit();
        }
    }

    /// <summary>
    /// Notes the deliveries the journal holds beyond the tables, so that a repeat of one is known as one. They are
    /// copied later, as any are: after a crash in a burst that is hundreds of thousands, and copying them here would
    /// keep the intake from answering meanwhile.
    /// </summary>
    public override void Start(long now)
    {
        var at = _indexed;
        while (_journal.Read(ref at, IndexBatch) is { Count: > 0 } records)
        {
            lock (_unindexedGate)
            {
                foreach (var record in records) _unindexed.Add(KeyOf(record.Delivery.Guid));
            }
        }
    }

    public override Task<T> UseAsync<T>(Func<DbConnection, T> work, bool upToDate = false) => _workerThread.RunAsync(() =>
    {
        if (upToDate) IndexJournal(int.MaxValue);
        return work(_worker);
    });

    /// <summary>Whether accepted deliveries are written but not yet flushed to disk.</summary>
    internal bool JournalUnflushed => _journal.Unflushed;

    public override long NotYetInTables
    {
        get
        {
            lock (_unindexedGate) return _unindexed.Count;
        }
    }

    private bool CopyingWaits => _intakeBusy() && NotYetInTables < _maxBacklog;

    private static (ulong, ulong) KeyOf(string guid)
    {
        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(guid.AsSpan()));
        return ((ulong)(hash >> 64), (ulong)hash);
    }

    public override Task<StoreOutcome[]> StoreAsync(IReadOnlyList<IncomingDelivery> deliveries, long now)
    {
        var outcomes = new StoreOutcome[deliveries.Count];
        var accepted = new List<IncomingDelivery>(deliveries.Count);
        for (var i = 0; i < deliveries.Count; i++)
        {
            var key = KeyOf(deliveries[i].Guid);
            bool inJournal;
            lock (_unindexedGate) inJournal = _unindexed.Contains(key);
            // The table is read outside the lock: only this writer adds keys, so none can be added meanwhile.
            var queued = !inJournal && IsNewOrRevivable(deliveries[i].Guid);
            if (queued) lock (_unindexedGate) _unindexed.Add(key);
            outcomes[i] = queued ? StoreOutcome.Queued : StoreOutcome.AlreadyHandled;
            if (queued) accepted.Add(deliveries[i]);
        }
        if (accepted.Count == 0) return Task.FromResult(outcomes);
        try
        {
            _journal.Append(accepted, now, flushToDisk: !_intakeBusy());
        }
        catch
        {
            Forget(accepted);
            throw;
        }
        return Task.FromResult(outcomes);
    }

    /// <summary>Whether the table has no such delivery, or one that is dead or waiting for a retry (which a redelivery revives).</summary>
    private bool IsNewOrRevivable(string guid)
    {
        _lookup.Parameters[0].Value = guid;
        using var row = _lookup.ExecuteReader();
        if (!row.Read()) return true;
        var state = (DeliveryState)row.GetInt32(0);
        return state == DeliveryState.Dead || (state == DeliveryState.Pending && row.GetInt32(1) > 0);
    }

    private void Forget(IEnumerable<IncomingDelivery> deliveries)
    {
        lock (_unindexedGate)
        {
            foreach (var delivery in deliveries) _unindexed.Remove(KeyOf(delivery.Guid));
        }
    }

    /// <summary>Copies up to <paramref name="atMost"/> journal records into the tables and returns how many; the caller holds the worker connection.</summary>
    private int IndexJournal(int atMost)
    {
        var copied = 0;
        while (copied < atMost)
        {
            var at = _indexed;
            var records = _journal.Read(ref at, Math.Min(IndexBatch, atMost - copied));
            if (at == _indexed) break;
            // Before a journal file is deleted, what was copied from it must be on disk.
            var freesFile = _journal.FreesFile(at);
            if (freesFile) _worker.Execute("PRAGMA synchronous=FULL");
            using (var transaction = _worker.BeginTransaction())
            {
                InsertDeliveries(_worker, transaction, records);
                using var position = _worker.CreateCommand();
                position.Transaction = transaction;
                position.CommandText = "UPDATE intake_journal SET file = @file, offset = @offset";
                position.Set("@file", at.File);
                position.Set("@offset", at.Offset);
                position.ExecuteNonQuery();
                transaction.Commit();
            }
            _indexed = at;
            copied += records.Count;
            Forget(records.Select(record => record.Delivery));
            if (freesFile)
            {
                _worker.Execute("PRAGMA synchronous=NORMAL");
                _journal.RotateIfIndexed(at);
            }
        }
        return copied;
    }

    private JournalPosition ReadIndexedPosition()
    {
        using var command = _worker.CreateCommand();
        command.CommandText = "SELECT file, offset FROM intake_journal";
        using var row = command.ExecuteReader();
        row.Read();
        return new JournalPosition(row.GetInt64(0), row.GetInt64(1));
    }

    public override DbCommand? ClaimCommand(DbConnection connection, long now, int max)
    {
        // A step of the journal first, so a delivery just stored is claimed at once; while the intake is saturated,
        // only as many records as this claim may take.
        IndexJournal(CopyingWaits ? max : IndexBatch);
        // The search is a plain read, outside any write transaction: with a long backlog it takes a while. Only
        // this connection writes the tables, so the rows found are still waiting when the update runs.
        var ready = new List<long>(max);
        using (var find = connection.CreateCommand())
        {
            find.CommandText = ReadyDeliveries;
            find.Set("@now", now);
            find.Set("@max", max);
            using var found = find.ExecuteReader();
            while (found.Read()) ready.Add(found.GetInt64(0));
        }
        if (ready.Count == 0) return null;
        var claim = connection.CreateCommand();
        claim.CommandText = $"""
            UPDATE deliveries SET state = 1, attempts = attempts + 1
            WHERE state = 0 AND id IN ({string.Join(',', ready)})
            RETURNING {ClaimedColumns}
            """;
        return claim;
    }

    /// <summary>One instance owns the file, so whatever was in progress when it started was cut short by the last run.</summary>
    public override int RequeueInterrupted(DbConnection connection, long now) =>
        connection.Execute("UPDATE deliveries SET state = 0 WHERE state = 1");

    /// <summary>
    /// Copies the journal's new records even when nothing asks for them, unless the intake is saturated, and
    /// checkpoints without blocking readers. The connection is let go between steps, so processing gets its turns.
    /// </summary>
    public override async Task UpkeepAsync(long now)
    {
        // On the worker's thread: a flush after a burst can take a while, and a pool thread waiting for the disk is one
        // fewer to answer deliveries on.
        await UseAsync(_ =>
        {
            _journal.FlushToDisk();
            return true;
        }).ConfigureAwait(false);
        for (var copied = 0; copied < CatchUpPerTick && !CopyingWaits;)
        {
            var step = await UseAsync(_ => IndexJournal(IndexBatch)).ConfigureAwait(false);
            if (step == 0) break;
            copied += step;
        }
        await UseAsync(worker => worker.Execute("PRAGMA wal_checkpoint(PASSIVE)")).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        // What the journal holds beyond the tables stays there for the next start: copying a burst's backlog would hold up the shutdown.
        await Task.Run(_workerThread.Dispose).ConfigureAwait(false);
        _worker.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        _worker.Dispose();
        _lookup.Dispose();
        _intake.Dispose();
        _journal.Dispose();
    }
}

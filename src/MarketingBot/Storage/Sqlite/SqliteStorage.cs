using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace MarketingBot.Storage.Sqlite;

/// <summary>
/// One SQLite file, for one instance. Intake commits on its own connection, everything else shares a
/// second one in turn, so the single writer SQLite allows is never fought over. Checkpoints are taken by
/// the upkeep loop, never by a committing request (<c>wal_autocheckpoint=0</c>).
/// </summary>
internal sealed class SqliteStorage : StorageEngine
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _worker;
    private readonly SemaphoreSlim _workerLock = new(1, 1);

    // SQLite's own wait for its write lock sleeps and retries, so under a steady stream of intake commits the
    // processing side would almost never get it (45 deliveries processed in 45 s of flood). Both sides take
    // this lock first instead: its waiters are served in turn.
    private readonly SemaphoreSlim _writeTurn = new(1, 1);

    private SqliteStorage(string connectionString)
    {
        _connectionString = connectionString;
        _writer = OpenConnection();
        Migrate(_writer);
        _worker = OpenConnection();
        // The processing side's commits (claims, completions, records) skip their own flush to disk: they
        // hold SQLite's one write lock for microseconds instead of a flush, so intake's commits do not queue
        // behind them. The WAL keeps them in order, and intake's next FULL commit flushes them too; at worst
        // a power cut forgets that the last deliveries were done, and they are processed again.
        _worker.Execute("PRAGMA synchronous=NORMAL");
    }

    public static SqliteStorage Open(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        return new SqliteStorage(builder.ToString());
    }

    public override string Location => $"SQLite {new SqliteConnectionStringBuilder(_connectionString).DataSource}";

    public override string ApprovalKey => "issue, login";

    public override TimeSpan UpkeepInterval => TimeSpan.FromSeconds(1);

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // FULL: an acknowledged delivery survives a power cut, not only a killed process.
        connection.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0; PRAGMA busy_timeout=10000;");
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

    public override async Task<T> UseAsync<T>(Func<DbConnection, T> work)
    {
        await _workerLock.WaitAsync().ConfigureAwait(false);
        try
        {
            return await InTurnAsync(() => work(_worker)).ConfigureAwait(false);
        }
        finally
        {
            _workerLock.Release();
        }
    }

    // Only the inbox's write loop calls this, one batch at a time.
    public override Task<T> WriteAsync<T>(Func<DbConnection, T> work) => InTurnAsync(() => work(_writer));

    private async Task<T> InTurnAsync<T>(Func<T> work)
    {
        await _writeTurn.WaitAsync().ConfigureAwait(false);
        try
        {
            return work();
        }
        finally
        {
            _writeTurn.Release();
        }
    }

    public override DbCommand? ClaimCommand(DbConnection connection, long now, int max)
    {
        // The search is a plain read, so it holds no write lock: with a long backlog it takes a while, and the
        // intake's commits must not wait for it. Only this connection claims, so the rows found are still waiting.
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

    /// <summary>A passive checkpoint takes no write lock, so it runs outside the writers' turns.</summary>
    public override async Task UpkeepAsync(long now)
    {
        await _workerLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _worker.Execute("PRAGMA wal_checkpoint(PASSIVE)");
        }
        finally
        {
            _workerLock.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _workerLock.WaitAsync().ConfigureAwait(false);
        _worker.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        _worker.Dispose();
        _writer.Dispose();
        _workerLock.Dispose();
        _writeTurn.Dispose();
    }
}

using System.Threading.Channels;
using MarketingBot.Commands;
using Microsoft.Data.Sqlite;

namespace MarketingBot.Storage;

/// <summary>
/// The durable delivery inbox, state and audit log in one SQLite file.
/// Intake writes go through a single writer that commits many deliveries per transaction
/// (group commit), so one fsync covers a burst. Checkpoints are taken by a background loop,
/// never by a committing request (<c>wal_autocheckpoint=0</c>).
/// </summary>
public sealed class SqliteInbox : IAsyncDisposable
{
    private const int MaxGroupCommit = 512;

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly Channel<PendingStore> _stores = Channel.CreateUnbounded<PendingStore>(new() { SingleReader = true });
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _worker;
    private readonly SemaphoreSlim _workerLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writerLoop;
    private readonly Task _checkpointLoop;

    private SqliteInbox(string connectionString, TimeProvider time)
    {
        _connectionString = connectionString;
        _time = time;
        _writer = OpenConnection();
        Migrate(_writer);
        _worker = OpenConnection();
        _writerLoop = Task.Run(WriteLoopAsync);
        _checkpointLoop = Task.Run(CheckpointLoopAsync);
    }

    public static SqliteInbox Open(string connectionString, TimeProvider time)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        return new SqliteInbox(builder.ToString(), time);
    }

    public string DataSource => new SqliteConnectionStringBuilder(_connectionString).DataSource;

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // FULL: an acknowledged delivery survives a power cut, not only a killed process.
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0; PRAGMA busy_timeout=10000;");
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
    ];

    private static void Migrate(SqliteConnection connection)
    {
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        for (var applied = Convert.ToInt32(version.ExecuteScalar()); applied < Migrations.Length; applied++)
        {
            using var transaction = connection.BeginTransaction();
            using var step = connection.CreateCommand();
            step.Transaction = transaction;
            step.CommandText = Migrations[applied] + $"PRAGMA user_version = {applied + 1};";
            step.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Returns once the delivery is committed to disk. A repeat of a delivery that failed is queued again.</summary>
    public Task<StoreOutcome> StoreAsync(IncomingDelivery delivery)
    {
        var pending = new PendingStore(delivery, new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_stores.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(SqliteInbox), "The inbox is shutting down.");
        return pending.Result.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingStore>(MaxGroupCommit);
        using var insert = _writer.CreateCommand();
        // Only a dead delivery, or one waiting for a retry, is revived by a redelivery;
        // a done or running one is left alone, and RETURNING then yields no row.
        insert.CommandText = """
            INSERT INTO deliveries (guid, event, action, installation_id, ordering_key, received_at, body, body_length, state, attempts, next_attempt_at)
            VALUES ($guid, $event, $action, $installation, $key, $now, $body, $length, 0, 0, $now)
            ON CONFLICT (guid) DO UPDATE SET state = 0, attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL
                WHERE deliveries.state = 3 OR (deliveries.state = 0 AND deliveries.attempts > 0)
            RETURNING id
            """;
        var guid = insert.Parameters.Add("$guid", SqliteType.Text);
        var evt = insert.Parameters.Add("$event", SqliteType.Text);
        var action = insert.Parameters.Add("$action", SqliteType.Text);
        var installation = insert.Parameters.Add("$installation", SqliteType.Integer);
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var now = insert.Parameters.Add("$now", SqliteType.Integer);
        var body = insert.Parameters.Add("$body", SqliteType.Blob);
        var length = insert.Parameters.Add("$length", SqliteType.Integer);

        while (await _stores.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxGroupCommit && _stores.Reader.TryRead(out var next)) batch.Add(next);
            var outcomes = new StoreOutcome[batch.Count];
            try
            {
                using var transaction = _writer.BeginTransaction();
                insert.Transaction = transaction;
                for (var i = 0; i < batch.Count; i++)
                {
                    var d = batch[i].Delivery;
                    guid.Value = d.Guid;
                    evt.Value = d.Event;
                    action.Value = (object?)d.Action ?? DBNull.Value;
                    installation.Value = (object?)d.InstallationId ?? DBNull.Value;
                    key.Value = (object?)d.OrderingKey ?? DBNull.Value;
                    now.Value = Now;
                    body.Value = d.CompressedBody;
                    length.Value = d.BodyLength;
                    outcomes[i] = insert.ExecuteScalar() is null ? StoreOutcome.AlreadyHandled : StoreOutcome.Queued;
                }
                transaction.Commit();
                for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(outcomes[i]);
            }
            catch (Exception ex)
            {
                foreach (var pending in batch) pending.Result.TrySetException(ex);
            }
        }
    }

    private async Task CheckpointLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await WithWorkerAsync(c => Execute(c, "PRAGMA wal_checkpoint(PASSIVE)")).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<T> WithWorkerAsync<T>(Func<SqliteConnection, T> work)
    {
        await _workerLock.WaitAsync().ConfigureAwait(false);
        try
        {
            return work(_worker);
        }
        finally
        {
            _workerLock.Release();
        }
    }

    private Task WithWorkerAsync(Action<SqliteConnection> work) => WithWorkerAsync(c => { work(c); return true; });

    /// <summary>A process that died mid-delivery left rows in progress; they go back to the queue.</summary>
    public Task<int> RequeueInterruptedAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE deliveries SET state = 0 WHERE state = 1";
        return command.ExecuteNonQuery();
    });

    /// <summary>
    /// Claims ready deliveries, oldest first, skipping any whose issue has an earlier delivery
    /// still waiting or running: events of one issue are applied in the order they arrived.
    /// </summary>
    public Task<IReadOnlyList<ClaimedDelivery>> ClaimReadyAsync(int max) => WithWorkerAsync<IReadOnlyList<ClaimedDelivery>>(c =>
    {
        // The search is a plain read, so it holds no write lock: with a long backlog it takes a while, and the
        // intake's commits must not wait for it. Only this connection claims, so the rows found are still waiting.
        var ready = new List<long>(max);
        using (var find = c.CreateCommand())
        {
            find.CommandText = """
                SELECT d.id FROM deliveries d
                WHERE d.state = 0 AND d.next_attempt_at <= $now
                  AND (d.ordering_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM deliveries e
                      WHERE e.ordering_key = d.ordering_key AND e.state IN (0, 1) AND (e.id < d.id OR e.state = 1)))
                ORDER BY d.id
                LIMIT $max
                """;
            find.Parameters.AddWithValue("$now", Now);
            find.Parameters.AddWithValue("$max", max);
            using var found = find.ExecuteReader();
            while (found.Read()) ready.Add(found.GetInt64(0));
        }
        if (ready.Count == 0) return [];
        using var command = c.CreateCommand();
        command.CommandText = $"""
            UPDATE deliveries SET state = 1, attempts = attempts + 1
            WHERE state = 0 AND id IN ({string.Join(',', ready)})
            RETURNING id, guid, event, action, installation_id, ordering_key, body, body_length, attempts, received_at
            """;
        using var reader = command.ExecuteReader();
        var claimed = new List<ClaimedDelivery>();
        while (reader.Read())
        {
            claimed.Add(new ClaimedDelivery(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                (byte[])reader.GetValue(6),
                reader.GetInt32(7),
                reader.GetInt32(8),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }
        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    });

    /// <summary>Marks a delivery done and writes its audit entry in the same transaction.</summary>
    public Task CompleteAsync(ClaimedDelivery delivery, string outcome, bool dryRun, IReadOnlyList<string> effects) =>
        FinishAsync(delivery, DeliveryState.Done, retryAt: null, outcome, dryRun, effects, error: null);

    /// <summary>Puts a failed delivery back for a retry at <paramref name="retryAt"/>, or dead-letters it when that is null.</summary>
    public Task FailAsync(ClaimedDelivery delivery, DateTimeOffset? retryAt, bool dryRun, string error) =>
        FinishAsync(delivery, retryAt is null ? DeliveryState.Dead : DeliveryState.Pending, retryAt,
            retryAt is null ? "dead-lettered" : "failed, will retry", dryRun, [], error);

    private Task FinishAsync(ClaimedDelivery delivery, DeliveryState state, DateTimeOffset? retryAt, string outcome,
        bool dryRun, IReadOnlyList<string> effects, string? error) => WithWorkerAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using (var update = c.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE deliveries SET state = $state, next_attempt_at = $next, last_error = $error,
                    finished_at = CASE WHEN $state IN (2, 3) THEN $now END
                WHERE id = $id
                """;
            update.Parameters.AddWithValue("$state", (int)state);
            update.Parameters.AddWithValue("$next", retryAt?.ToUnixTimeMilliseconds() ?? Now);
            update.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            update.Parameters.AddWithValue("$now", Now);
            update.Parameters.AddWithValue("$id", delivery.Id);
            update.ExecuteNonQuery();
        }
        using (var audit = c.CreateCommand())
        {
            audit.Transaction = transaction;
            audit.CommandText = """
                INSERT INTO audit (delivery_id, attempt, at, outcome, dry_run, effects, error)
                VALUES ($id, $attempt, $now, $outcome, $dry, $effects, $error)
                """;
            audit.Parameters.AddWithValue("$id", delivery.Id);
            audit.Parameters.AddWithValue("$attempt", delivery.Attempt);
            audit.Parameters.AddWithValue("$now", Now);
            audit.Parameters.AddWithValue("$outcome", outcome);
            audit.Parameters.AddWithValue("$dry", dryRun);
            audit.Parameters.AddWithValue("$effects", string.Join('\n', effects));
            audit.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            audit.ExecuteNonQuery();
        }
        transaction.Commit();
    });

    public Task<InboxCounts> CountAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT state, COUNT(*) FROM deliveries GROUP BY state";
        using var reader = command.ExecuteReader();
        var counts = new long[4];
        while (reader.Read()) counts[reader.GetInt32(0)] = reader.GetInt64(1);
        return new InboxCounts(counts[0], counts[1], counts[2], counts[3]);
    });

    /// <summary>Deliveries waiting or running, counted from the partial index that covers only them.</summary>
    public Task<long> CountWaitingAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1)";
        return (long)command.ExecuteScalar()!;
    });

    /// <summary>The audit log in the order it was written; for one delivery when <paramref name="guid"/> is given.</summary>
    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string? guid = null) => WithWorkerAsync<IReadOnlyList<AuditEntry>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = """
            SELECT a.delivery_id, d.guid, d.event, d.action, a.attempt, a.outcome, a.dry_run, a.effects, a.error, a.at
            FROM audit a JOIN deliveries d ON d.id = a.delivery_id
            WHERE $guid IS NULL OR d.guid = $guid
            ORDER BY a.id
            """;
        command.Parameters.AddWithValue("$guid", (object?)guid ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var entries = new List<AuditEntry>();
        while (reader.Read())
        {
            var action = reader.IsDBNull(3) ? null : reader.GetString(3);
            var effects = reader.GetString(7);
            entries.Add(new AuditEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                action is null ? reader.GetString(2) : $"{reader.GetString(2)}.{action}",
                reader.GetInt32(4),
                reader.GetString(5),
                reader.GetBoolean(6),
                effects.Length == 0 ? [] : effects.Split('\n'),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }
        return entries;
    });

    /// <summary>
    /// Remembers where a request's card is and, when its column changed, when and by whom: GitHub
    /// keeps no such history, and the monthly review reports time spent in each column.
    /// </summary>
    public Task RecordCardAsync(long? installationId, BoardCard card, string movedBy) => WithWorkerAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        string? before = null;
        var known = false;
        using (var read = c.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT status, archived FROM board_cards WHERE content_node_id = $content";
            read.Parameters.AddWithValue("$content", card.ContentNodeId);
            using var reader = read.ExecuteReader();
            if (reader.Read())
            {
                known = true;
                before = reader.GetBoolean(1) ? BoardCard.Archived : reader.IsDBNull(0) ? BoardCard.NoStatus : reader.GetString(0);
            }
        }
        using (var upsert = c.CreateCommand())
        {
            upsert.Transaction = transaction;
            upsert.CommandText = card.Removed
                ? "DELETE FROM board_cards WHERE content_node_id = $content"
                : """
                  INSERT INTO board_cards (content_node_id, project_id, item_id, status, archived, updated_at, installation_id)
                  VALUES ($content, $project, $item, $status, $archived, $now, $installation)
                  ON CONFLICT (content_node_id) DO UPDATE SET project_id = $project, item_id = $item, status = $status, archived = $archived,
                      updated_at = $now, installation_id = COALESCE($installation, installation_id)
                  """;
            upsert.Parameters.AddWithValue("$content", card.ContentNodeId);
            upsert.Parameters.AddWithValue("$project", card.ProjectId);
            upsert.Parameters.AddWithValue("$item", card.ItemId);
            upsert.Parameters.AddWithValue("$status", (object?)card.Status ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$archived", card.IsArchived);
            upsert.Parameters.AddWithValue("$now", Now);
            upsert.Parameters.AddWithValue("$installation", (object?)installationId ?? DBNull.Value);
            upsert.ExecuteNonQuery();
        }
        if (!known || before != card.Column)
        {
            using var history = c.CreateCommand();
            history.Transaction = transaction;
            history.CommandText = "INSERT INTO board_status_history (content_node_id, status, at, moved_by) VALUES ($content, $status, $now, $by)";
            history.Parameters.AddWithValue("$content", card.ContentNodeId);
            history.Parameters.AddWithValue("$status", card.Column);
            history.Parameters.AddWithValue("$now", Now);
            history.Parameters.AddWithValue("$by", movedBy);
            history.ExecuteNonQuery();
        }
        transaction.Commit();
    });

    public Task<BoardCard?> FindCardAsync(string contentNodeId) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT project_id, item_id, status, archived FROM board_cards WHERE content_node_id = $content";
        command.Parameters.AddWithValue("$content", contentNodeId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new BoardCard(contentNodeId, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3))
            : null;
    });

    /// <summary>The cards of the requests one installation's deliveries put on a board, as the bot last left or saw them.</summary>
    public Task<IReadOnlyList<BoardCard>> ListCardsAsync(long installationId) => WithWorkerAsync<IReadOnlyList<BoardCard>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT content_node_id, project_id, item_id, status, archived FROM board_cards WHERE installation_id = $installation";
        command.Parameters.AddWithValue("$installation", installationId);
        using var reader = command.ExecuteReader();
        var cards = new List<BoardCard>();
        while (reader.Read())
            cards.Add(new BoardCard(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetBoolean(4)));
        return cards;
    });

    /// <summary>Keeps a person's word on a request unless a later comment of theirs is already recorded: the latest word wins.</summary>
    public Task RecordApprovalAsync(string issue, Approval approval) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = """
            INSERT INTO approvals (issue, login, roles, approves, note, comment_id, at) VALUES ($issue, $login, $roles, $approves, $note, $comment, $at)
            ON CONFLICT (issue, login) DO UPDATE SET roles = $roles, approves = $approves, note = $note, comment_id = $comment, at = $at
                WHERE excluded.comment_id >= approvals.comment_id
            """;
        command.Parameters.AddWithValue("$issue", issue);
        command.Parameters.AddWithValue("$login", approval.Login);
        command.Parameters.AddWithValue("$roles", string.Join(',', approval.Roles));
        command.Parameters.AddWithValue("$approves", approval.Approves);
        command.Parameters.AddWithValue("$note", (object?)approval.Note ?? DBNull.Value);
        command.Parameters.AddWithValue("$comment", approval.CommentId);
        command.Parameters.AddWithValue("$at", approval.At.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    });

    public Task<IReadOnlyList<Approval>> ReadApprovalsAsync(string issue) => WithWorkerAsync<IReadOnlyList<Approval>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT login, roles, approves, note, comment_id, at FROM approvals WHERE issue = $issue ORDER BY at, login";
        command.Parameters.AddWithValue("$issue", issue);
        using var reader = command.ExecuteReader();
        var approvals = new List<Approval>();
        while (reader.Read())
            approvals.Add(new Approval(reader.GetString(0), reader.GetString(1).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetBoolean(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        return approvals;
    });

    /// <summary>Two-hour reminders for <paramref name="item"/> stay quiet until <paramref name="until"/>.</summary>
    public Task RecordSnoozeAsync(string item, DateTimeOffset until, string by) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "INSERT INTO snoozes (item, until, by) VALUES ($item, $until, $by) ON CONFLICT (item) DO UPDATE SET until = $until, by = $by";
        command.Parameters.AddWithValue("$item", item);
        command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$by", by);
        command.ExecuteNonQuery();
    });

    public Task<DateTimeOffset?> SnoozedUntilAsync(string item) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT until FROM snoozes WHERE item = $item";
        command.Parameters.AddWithValue("$item", item);
        return command.ExecuteScalar() is long until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : (DateTimeOffset?)null;
    });

    /// <summary>
    /// Claims one occurrence of a scheduled job: false when it already ran (or is running), here or before a restart.
    /// A run that failed may be claimed again five minutes after it finished.
    /// </summary>
    public Task<bool> TryStartJobAsync(string job, DateTimeOffset occurrence) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            INSERT INTO job_runs (job, occurrence, started_at) VALUES ($job, $occurrence, $now)
            ON CONFLICT (job, occurrence) DO UPDATE SET started_at = $now, finished_at = NULL, outcome = NULL
                WHERE job_runs.outcome LIKE '{Scheduling.JobOutcome.FailedPrefix}%' AND job_runs.finished_at <= $now - 300000
            """;
        command.Parameters.AddWithValue("$job", job);
        command.Parameters.AddWithValue("$occurrence", occurrence.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", Now);
        return command.ExecuteNonQuery() == 1;
    });

    public Task FinishJobAsync(string job, DateTimeOffset occurrence, string outcome) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE job_runs SET finished_at = $now, outcome = $outcome WHERE job = $job AND occurrence = $occurrence";
        command.Parameters.AddWithValue("$job", job);
        command.Parameters.AddWithValue("$occurrence", occurrence.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", Now);
        command.Parameters.AddWithValue("$outcome", outcome);
        command.ExecuteNonQuery();
    });

    /// <summary>The latest runs, newest first: what each found and did.</summary>
    public Task<IReadOnlyList<JobRun>> ReadJobRunsAsync(int limit = 50) => WithWorkerAsync<IReadOnlyList<JobRun>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT job, occurrence, started_at, finished_at, outcome FROM job_runs ORDER BY started_at DESC, id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var runs = new List<JobRun>();
        while (reader.Read())
            runs.Add(new JobRun(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
        return runs;
    });

    /// <summary>Reminders not yet resolved, of one tracker (<paramref name="place"/> is its owner/repository).</summary>
    public Task<IReadOnlyList<Nag>> ReadOpenNagsAsync(string place) => WithWorkerAsync<IReadOnlyList<Nag>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT item, title, last_at, sent FROM nags WHERE place = $place AND resolved_at IS NULL";
        command.Parameters.AddWithValue("$place", place);
        using var reader = command.ExecuteReader();
        var nags = new List<Nag>();
        while (reader.Read()) nags.Add(new Nag(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt32(3)));
        return nags;
    });

    /// <summary>A reminder went out about <paramref name="item"/>; a resolved one that comes back is open again.</summary>
    public Task RecordNagAsync(string item, string place, string title) => WithWorkerAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using (var command = c.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO nags (item, place, title, first_at, last_at, sent) VALUES ($item, $place, $title, $now, $now, 1)
                ON CONFLICT (item) DO UPDATE SET title = $title, last_at = $now, sent = sent + 1, resolved_at = NULL
                """;
            command.Parameters.AddWithValue("$item", item);
            command.Parameters.AddWithValue("$place", place);
            command.Parameters.AddWithValue("$title", title);
            command.Parameters.AddWithValue("$now", Now);
            command.ExecuteNonQuery();
        }
        LogNag(c, transaction, item, resolved: false);
        transaction.Commit();
    });

    /// <summary>The task behind a reminder is converted, linked, done or re-estimated under the threshold.</summary>
    public Task ResolveNagAsync(string item) => WithWorkerAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using (var command = c.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "UPDATE nags SET resolved_at = $now WHERE item = $item AND resolved_at IS NULL";
            command.Parameters.AddWithValue("$item", item);
            command.Parameters.AddWithValue("$now", Now);
            if (command.ExecuteNonQuery() == 1) LogNag(c, transaction, item, resolved: true);
        }
        transaction.Commit();
    });

    private void LogNag(SqliteConnection c, SqliteTransaction transaction, string item, bool resolved)
    {
        using var command = c.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO nag_log (item, at, resolved) VALUES ($item, $now, $resolved)";
        command.Parameters.AddWithValue("$item", item);
        command.Parameters.AddWithValue("$now", Now);
        command.Parameters.AddWithValue("$resolved", resolved);
        command.ExecuteNonQuery();
    }

    /// <summary>Reminders sent and resolved in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<(int Sent, int Resolved)> CountNagsAsync(DateTimeOffset from, DateTimeOffset to) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(resolved = 0), 0), COALESCE(SUM(resolved = 1), 0) FROM nag_log WHERE at >= $from AND at < $to";
        command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(0), reader.GetInt32(1));
    });

    /// <summary>
    /// Keeps a request's facts for the monthly review. Whether it was complete when opened is only ever
    /// written by the <c>opened</c> delivery (<paramref name="opening"/>); later events update the rest.
    /// </summary>
    public Task RecordRequestAsync(RequestRecord request, bool opening) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            INSERT INTO requests (node_id, repository, number, type, opened_at, valid_at_open, publish_date, completed_at)
            VALUES ($node, $repository, $number, $type, $opened, $valid, $publish, $completed)
            ON CONFLICT (node_id) DO UPDATE SET repository = $repository, number = $number, type = $type, publish_date = $publish,
                completed_at = $completed{(opening ? ", valid_at_open = $valid" : "")}
            """;
        command.Parameters.AddWithValue("$node", request.NodeId);
        command.Parameters.AddWithValue("$repository", request.Repository);
        command.Parameters.AddWithValue("$number", request.Number);
        command.Parameters.AddWithValue("$type", request.Type);
        command.Parameters.AddWithValue("$opened", request.OpenedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$valid", opening ? request.ValidWhenOpened ?? (object)DBNull.Value : DBNull.Value);
        command.Parameters.AddWithValue("$publish", request.PublishDate?.ToString("yyyy-MM-dd") ?? (object)DBNull.Value);
        command.Parameters.AddWithValue("$completed", request.CompletedAt?.ToUnixTimeMilliseconds() ?? (object)DBNull.Value);
        command.ExecuteNonQuery();
    });

    public Task<IReadOnlyList<RequestRecord>> ReadRequestsAsync() => WithWorkerAsync<IReadOnlyList<RequestRecord>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT node_id, repository, number, type, opened_at, valid_at_open, publish_date, completed_at FROM requests ORDER BY opened_at";
        using var reader = command.ExecuteReader();
        var requests = new List<RequestRecord>();
        while (reader.Read())
            requests.Add(new RequestRecord(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.IsDBNull(5) ? null : reader.GetBoolean(5),
                reader.IsDBNull(6) ? null : DateOnly.ParseExact(reader.GetString(6), "yyyy-MM-dd"),
                reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        return requests;
    });

    /// <summary>Every card's column changes, oldest first, for the monthly review's time in each column.</summary>
    public Task<IReadOnlyList<ColumnChange>> ReadAllStatusHistoryAsync() => WithWorkerAsync<IReadOnlyList<ColumnChange>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT content_node_id, status, at FROM board_status_history ORDER BY content_node_id, at, id";
        using var reader = command.ExecuteReader();
        var changes = new List<ColumnChange>();
        while (reader.Read()) changes.Add(new ColumnChange(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        return changes;
    });

    /// <summary>Whether a delivery with this GUID ever reached the inbox (whatever became of it).</summary>
    public Task<bool> HasDeliveryAsync(string guid) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT 1 FROM deliveries WHERE guid = $guid";
        command.Parameters.AddWithValue("$guid", guid);
        return command.ExecuteScalar() is not null;
    });

    /// <summary>When the last delivery arrived; null when none ever did.</summary>
    public Task<DateTimeOffset?> LastReceivedAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT MAX(received_at) FROM deliveries";
        return command.ExecuteScalar() is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : (DateTimeOffset?)null;
    });

    /// <summary>The newest deliveries, optionally only those in one state, for the dashboard.</summary>
    public Task<IReadOnlyList<DeliverySummary>> ReadDeliveriesAsync(int limit, DeliveryState? state = null) => WithWorkerAsync<IReadOnlyList<DeliverySummary>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            SELECT guid, event, action, state, attempts, received_at, last_error FROM deliveries
            {(state is null ? "" : "WHERE state = $state")} ORDER BY id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$state", (int?)state ?? 0);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var deliveries = new List<DeliverySummary>();
        while (reader.Read())
            deliveries.Add(new DeliverySummary(reader.GetString(0), reader.IsDBNull(2) ? reader.GetString(1) : $"{reader.GetString(1)}.{reader.GetString(2)}",
                (DeliveryState)reader.GetInt32(3), reader.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        return deliveries;
    });

    /// <summary>A dead letter goes back to the queue with a fresh set of attempts (the dashboard's retry button).</summary>
    public Task<bool> RetryDeadAsync(string guid) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE deliveries SET state = 0, attempts = 0, next_attempt_at = $now, last_error = NULL WHERE guid = $guid AND state = 3";
        command.Parameters.AddWithValue("$guid", guid);
        command.Parameters.AddWithValue("$now", Now);
        return command.ExecuteNonQuery() == 1;
    });

    /// <summary>A card's columns over time, oldest first.</summary>
    public Task<IReadOnlyList<(string Column, DateTimeOffset At, string MovedBy)>> ReadStatusHistoryAsync(string contentNodeId) =>
        WithWorkerAsync<IReadOnlyList<(string, DateTimeOffset, string)>>(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT status, at, moved_by FROM board_status_history WHERE content_node_id = $content ORDER BY at, id";
            command.Parameters.AddWithValue("$content", contentNodeId);
            using var reader = command.ExecuteReader();
            var history = new List<(string, DateTimeOffset, string)>();
            while (reader.Read()) history.Add((reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2)));
            return history;
        });

    /// <summary>Readiness: the file can be read and written.</summary>
    public Task<bool> IsReachableAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries WHERE 0";
        return command.ExecuteScalar() is not null;
    });

    public async ValueTask DisposeAsync()
    {
        _stores.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _checkpointLoop.ConfigureAwait(false);
        await _workerLock.WaitAsync().ConfigureAwait(false);
        Execute(_worker, "PRAGMA wal_checkpoint(TRUNCATE)");
        _worker.Dispose();
        _writer.Dispose();
        _workerLock.Dispose();
        _stop.Dispose();
    }

    private sealed record PendingStore(IncomingDelivery Delivery, TaskCompletionSource<StoreOutcome> Result);
}

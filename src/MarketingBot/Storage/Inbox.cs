using System.Data.Common;
using System.Threading.Channels;
using MarketingBot.Commands;
using MarketingBot.Configuration;
using MarketingBot.Storage.Postgres;
using MarketingBot.Storage.Sqlite;

namespace MarketingBot.Storage;

/// <summary>
/// The durable delivery inbox, state and audit log, in SQLite (one instance) or PostgreSQL (several replicas).
/// Intake writes go through a single writer that commits many deliveries per transaction
/// (group commit), so one flush to disk covers a burst. What differs between the two databases
/// (connections, schema, how deliveries are claimed, background upkeep) is the <see cref="StorageEngine"/>'s.
/// </summary>
public sealed class Inbox : IAsyncDisposable
{
    private const int MaxGroupCommit = 512;

    private readonly StorageEngine _engine;
    private readonly TimeProvider _time;
    private readonly Channel<PendingStore> _stores = Channel.CreateUnbounded<PendingStore>(new() { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writerLoop;
    private readonly Task _upkeepLoop;

    private Inbox(StorageEngine engine, TimeProvider time)
    {
        _engine = engine;
        _time = time;
        _engine.Start(Now);
        _writerLoop = Task.Run(WriteLoopAsync);
        _upkeepLoop = Task.Run(UpkeepLoopAsync);
    }

    /// <summary>Opens the store <c>Storage__Provider</c> names, creating or migrating its schema.</summary>
    /// <param name="intakeBusy">Whether a burst of deliveries is going on: SQLite then leaves its journal for later. Without it, never.</param>
    public static Inbox Open(StorageSettings storage, TimeProvider time, Func<bool>? intakeBusy = null) => new(storage.Engine switch
    {
        StorageProvider.Postgres => PostgresStorage.Open(storage.PostgresConnectionString),
        _ => SqliteStorage.Open(storage.SqliteConnectionString, intakeBusy),
    }, time);

    public static Inbox OpenSqlite(string connectionString, TimeProvider time, Func<bool>? intakeBusy = null) =>
        new(SqliteStorage.Open(connectionString, intakeBusy), time);

    public static Inbox OpenPostgres(string connectionString, TimeProvider time) => new(PostgresStorage.Open(connectionString), time);

    /// <summary>Where the records live, for readiness and logs; never a password.</summary>
    public string Location => _engine.Location;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Returns once the delivery is committed to disk. A repeat of a delivery that failed is queued again.</summary>
    public Task<StoreOutcome> StoreAsync(IncomingDelivery delivery)
    {
        var pending = new PendingStore(delivery, new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_stores.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(Inbox), "The inbox is shutting down.");
        return pending.Result.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingStore>(MaxGroupCommit);
        var deliveries = new List<IncomingDelivery>(MaxGroupCommit);
        while (await _stores.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            deliveries.Clear();
            while (batch.Count < MaxGroupCommit && _stores.Reader.TryRead(out var next))
            {
                batch.Add(next);
                deliveries.Add(next.Delivery);
            }
            try
            {
                var outcomes = await _engine.StoreAsync(deliveries, Now).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(outcomes[i]);
            }
            catch (Exception ex)
            {
                foreach (var pending in batch) pending.Result.TrySetException(ex);
            }
        }
    }

    /// <summary>The engine's background upkeep at its interval (SQLite: journal copying and checkpoints; PostgreSQL: heartbeats and lease expiry).</summary>
    private async Task UpkeepLoopAsync()
    {
        using var timer = new PeriodicTimer(_engine.UpkeepInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await _engine.UpkeepAsync(Now).ConfigureAwait(false);
                }
                catch (DbException)
                {
                    // The database is briefly unreachable: readiness reports it, and the next tick tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Runs work on the shared connection; <paramref name="upToDate"/> when it reads the deliveries and must see every one stored.</summary>
    private Task<T> WithWorkerAsync<T>(Func<DbConnection, T> work, bool upToDate = false) => _engine.UseAsync(work, upToDate);

    private Task WithWorkerAsync(Action<DbConnection> work) => _engine.UseAsync(c => { work(c); return true; });

    /// <summary>
    /// Deliveries whose processing was cut short go back to the queue: with SQLite, every one left
    /// in progress by the previous run; with PostgreSQL, those of replicas that stopped answering.
    /// </summary>
    public Task<int> RequeueInterruptedAsync() => WithWorkerAsync(c => _engine.RequeueInterrupted(c, Now));

    /// <summary>
    /// Claims ready deliveries, oldest first, skipping any whose issue has an earlier delivery
    /// still waiting or running: events of one issue are applied in the order they arrived.
    /// </summary>
    public Task<IReadOnlyList<ClaimedDelivery>> ClaimReadyAsync(int max) => WithWorkerAsync<IReadOnlyList<ClaimedDelivery>>(c =>
    {
        using var command = _engine.ClaimCommand(c, Now, max);
        if (command is null) return [];
        var claimed = command.ReadAll(reader => new ClaimedDelivery(
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
                UPDATE deliveries SET state = @state, next_attempt_at = @next, last_error = @error,
                    finished_at = CASE WHEN @state IN (2, 3) THEN @now END
                WHERE id = @id
                """;
            update.Set("@state", (int)state);
            update.Set("@next", retryAt?.ToUnixTimeMilliseconds() ?? Now);
            update.Set("@error", error);
            update.Set("@now", Now);
            update.Set("@id", delivery.Id);
            update.ExecuteNonQuery();
        }
        using (var audit = c.CreateCommand())
        {
            audit.Transaction = transaction;
            audit.CommandText = """
                INSERT INTO audit (delivery_id, attempt, at, outcome, dry_run, effects, error)
                VALUES (@id, @attempt, @now, @outcome, @dry, @effects, @error)
                """;
            audit.Set("@id", delivery.Id);
            audit.Set("@attempt", delivery.Attempt);
            audit.Set("@now", Now);
            audit.Set("@outcome", outcome);
            audit.Set("@dry", dryRun);
            audit.Set("@effects", string.Join('\n', effects));
            audit.Set("@error", error);
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
    }, upToDate: true);

    /// <summary>Deliveries waiting or running, counted from the partial index that covers only them.</summary>
    public Task<long> CountWaitingAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1)";
        return (long)command.ExecuteScalar()! + _engine.NotYetInTables;
    });

    /// <summary>The audit log in the order it was written; for one delivery when <paramref name="guid"/> is given.</summary>
    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string? guid = null) => WithWorkerAsync<IReadOnlyList<AuditEntry>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            SELECT a.delivery_id, d.guid, d.event, d.action, a.attempt, a.outcome, a.dry_run, a.effects, a.error, a.at
            FROM audit a JOIN deliveries d ON d.id = a.delivery_id
            {(guid is null ? "" : "WHERE d.guid = @guid")}
            ORDER BY a.id
            """;
        if (guid is not null) command.Set("@guid", guid);
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
                reader.GetFlag(6),
                effects.Length == 0 ? [] : effects.Split('\n'),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }
        return entries;
    }, upToDate: true);

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
            read.CommandText = "SELECT status, archived FROM board_cards WHERE content_node_id = @content";
            read.Set("@content", card.ContentNodeId);
            using var reader = read.ExecuteReader();
            if (reader.Read())
            {
                known = true;
                before = reader.GetFlag(1) ? BoardCard.Archived : reader.IsDBNull(0) ? BoardCard.NoStatus : reader.GetString(0);
            }
        }
        using (var upsert = c.CreateCommand())
        {
            upsert.Transaction = transaction;
            upsert.CommandText = card.Removed
                ? "DELETE FROM board_cards WHERE content_node_id = @content"
                : """
                  INSERT INTO board_cards (content_node_id, project_id, item_id, status, archived, updated_at, installation_id)
                  VALUES (@content, @project, @item, @status, @archived, @now, @installation)
                  ON CONFLICT (content_node_id) DO UPDATE SET project_id = @project, item_id = @item, status = @status, archived = @archived,
                      updated_at = @now, installation_id = COALESCE(@installation, board_cards.installation_id)
                  """;
            upsert.Set("@content", card.ContentNodeId);
            if (!card.Removed) SetCard(upsert, installationId, card);
            upsert.ExecuteNonQuery();
        }
        if (!known || before != card.Column)
        {
            using var history = c.CreateCommand();
            history.Transaction = transaction;
            history.CommandText = "INSERT INTO board_status_history (content_node_id, status, at, moved_by) VALUES (@content, @status, @now, @by)";
            history.Set("@content", card.ContentNodeId);
            history.Set("@status", card.Column);
            history.Set("@now", Now);
            history.Set("@by", movedBy);
            history.ExecuteNonQuery();
        }
        transaction.Commit();
    });

    private void SetCard(DbCommand upsert, long? installationId, BoardCard card)
    {
        upsert.Set("@project", card.ProjectId);
        upsert.Set("@item", card.ItemId);
        upsert.Set("@status", card.Status);
        upsert.Set("@archived", card.IsArchived);
        upsert.Set("@now", Now);
        upsert.Set("@installation", installationId);
    }

    public Task<BoardCard?> FindCardAsync(string contentNodeId) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT project_id, item_id, status, archived FROM board_cards WHERE content_node_id = @content";
        command.Set("@content", contentNodeId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new BoardCard(contentNodeId, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFlag(3))
            : null;
    });

    /// <summary>The cards of the requests one installation's deliveries put on a board, as the bot last left or saw them.</summary>
    public Task<IReadOnlyList<BoardCard>> ListCardsAsync(long installationId) => WithWorkerAsync<IReadOnlyList<BoardCard>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT content_node_id, project_id, item_id, status, archived FROM board_cards WHERE installation_id = @installation";
        command.Set("@installation", installationId);
        return command.ReadAll(reader => new BoardCard(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFlag(4)));
    });

    /// <summary>Keeps a person's word on a request unless a later comment of theirs is already recorded: the latest word wins.</summary>
    public Task RecordApprovalAsync(string issue, Approval approval) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            INSERT INTO approvals (issue, login, roles, approves, note, comment_id, at) VALUES (@issue, @login, @roles, @approves, @note, @comment, @at)
            ON CONFLICT ({_engine.ApprovalKey}) DO UPDATE SET roles = @roles, approves = @approves, note = @note, comment_id = @comment, at = @at
                WHERE excluded.comment_id >= approvals.comment_id
            """;
        command.Set("@issue", issue);
        command.Set("@login", approval.Login);
        command.Set("@roles", string.Join(',', approval.Roles));
        command.Set("@approves", approval.Approves);
        command.Set("@note", approval.Note);
        command.Set("@comment", approval.CommentId);
        command.Set("@at", approval.At.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    });

    public Task<IReadOnlyList<Approval>> ReadApprovalsAsync(string issue) => WithWorkerAsync<IReadOnlyList<Approval>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT login, roles, approves, note, comment_id, at FROM approvals WHERE issue = @issue ORDER BY at, login";
        command.Set("@issue", issue);
        return command.ReadAll(reader => new Approval(reader.GetString(0), reader.GetString(1).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetFlag(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
    });

    /// <summary>Two-hour reminders for <paramref name="item"/> stay quiet until <paramref name="until"/>.</summary>
    public Task RecordSnoozeAsync(string item, DateTimeOffset until, string by) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "INSERT INTO snoozes (item, until, by) VALUES (@item, @until, @by) ON CONFLICT (item) DO UPDATE SET until = @until, by = @by";
        command.Set("@item", item);
        command.Set("@until", until.ToUnixTimeMilliseconds());
        command.Set("@by", by);
        command.ExecuteNonQuery();
    });

    public Task<DateTimeOffset?> SnoozedUntilAsync(string item) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT until FROM snoozes WHERE item = @item";
        command.Set("@item", item);
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
            INSERT INTO job_runs (job, occurrence, started_at) VALUES (@job, @occurrence, @now)
            ON CONFLICT (job, occurrence) DO UPDATE SET started_at = @now, finished_at = NULL, outcome = NULL
                WHERE job_runs.outcome LIKE '{Scheduling.JobOutcome.FailedPrefix}%' AND job_runs.finished_at <= @now - 300000
            """;
        command.Set("@job", job);
        command.Set("@occurrence", occurrence.ToUnixTimeMilliseconds());
        command.Set("@now", Now);
        return command.ExecuteNonQuery() == 1;
    });

    public Task FinishJobAsync(string job, DateTimeOffset occurrence, string outcome) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE job_runs SET finished_at = @now, outcome = @outcome WHERE job = @job AND occurrence = @occurrence";
        command.Set("@job", job);
        command.Set("@occurrence", occurrence.ToUnixTimeMilliseconds());
        command.Set("@now", Now);
        command.Set("@outcome", outcome);
        command.ExecuteNonQuery();
    });

    /// <summary>The latest runs, newest first: what each found and did.</summary>
    public Task<IReadOnlyList<JobRun>> ReadJobRunsAsync(int limit = 50) => WithWorkerAsync<IReadOnlyList<JobRun>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT job, occurrence, started_at, finished_at, outcome FROM job_runs ORDER BY started_at DESC, id DESC LIMIT @limit";
        command.Set("@limit", limit);
        return command.ReadAll(reader => new JobRun(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
    });

    /// <summary>Reminders not yet resolved, of one tracker (<paramref name="place"/> is its owner/repository).</summary>
    public Task<IReadOnlyList<Nag>> ReadOpenNagsAsync(string place) => WithWorkerAsync<IReadOnlyList<Nag>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT item, title, last_at, sent FROM nags WHERE place = @place AND resolved_at IS NULL";
        command.Set("@place", place);
        return command.ReadAll(reader => new Nag(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt32(3)));
    });

    /// <summary>A reminder went out about <paramref name="item"/>; a resolved one that comes back is open again.</summary>
    public Task RecordNagAsync(string item, string place, string title) => WithWorkerAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using (var command = c.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO nags (item, place, title, first_at, last_at, sent) VALUES (@item, @place, @title, @now, @now, 1)
                ON CONFLICT (item) DO UPDATE SET title = @title, last_at = @now, sent = nags.sent + 1, resolved_at = NULL
                """;
            command.Set("@item", item);
            command.Set("@place", place);
            command.Set("@title", title);
            command.Set("@now", Now);
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
            command.CommandText = "UPDATE nags SET resolved_at = @now WHERE item = @item AND resolved_at IS NULL";
            command.Set("@item", item);
            command.Set("@now", Now);
            if (command.ExecuteNonQuery() == 1) LogNag(c, transaction, item, resolved: true);
        }
        transaction.Commit();
    });

    private void LogNag(DbConnection c, DbTransaction transaction, string item, bool resolved)
    {
        using var command = c.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO nag_log (item, at, resolved) VALUES (@item, @now, @resolved)";
        command.Set("@item", item);
        command.Set("@now", Now);
        command.Set("@resolved", resolved);
        command.ExecuteNonQuery();
    }

    /// <summary>Reminders sent and resolved in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<(int Sent, int Resolved)> CountNagsAsync(DateTimeOffset from, DateTimeOffset to) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(CASE WHEN resolved = 0 THEN 1 END), COUNT(CASE WHEN resolved = 1 THEN 1 END) FROM nag_log WHERE at >= @from AND at < @to";
        command.Set("@from", from.ToUnixTimeMilliseconds());
        command.Set("@to", to.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        reader.Read();
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
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
            VALUES (@node, @repository, @number, @type, @opened, @valid, @publish, @completed)
            ON CONFLICT (node_id) DO UPDATE SET repository = @repository, number = @number, type = @type, publish_date = @publish,
                completed_at = @completed{(opening ? ", valid_at_open = @valid" : "")}
            """;
        command.Set("@node", request.NodeId);
        command.Set("@repository", request.Repository);
        command.Set("@number", request.Number);
        command.Set("@type", request.Type);
        command.Set("@opened", request.OpenedAt.ToUnixTimeMilliseconds());
        command.Set("@valid", opening ? request.ValidWhenOpened : null);
        command.Set("@publish", request.PublishDate?.ToString("yyyy-MM-dd"));
        command.Set("@completed", request.CompletedAt?.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    });

    public Task<IReadOnlyList<RequestRecord>> ReadRequestsAsync() => WithWorkerAsync<IReadOnlyList<RequestRecord>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT node_id, repository, number, type, opened_at, valid_at_open, publish_date, completed_at FROM requests ORDER BY opened_at";
        return command.ReadAll(reader => new RequestRecord(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.IsDBNull(5) ? null : reader.GetFlag(5),
                reader.IsDBNull(6) ? null : DateOnly.ParseExact(reader.GetString(6), "yyyy-MM-dd"),
                reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
    });

    /// <summary>Every card's column changes, oldest first, for the monthly review's time in each column.</summary>
    public Task<IReadOnlyList<ColumnChange>> ReadAllStatusHistoryAsync() => WithWorkerAsync<IReadOnlyList<ColumnChange>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT content_node_id, status, at FROM board_status_history ORDER BY content_node_id, at, id";
        return command.ReadAll(reader => new ColumnChange(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
    });

    /// <summary>Whether a delivery with this GUID ever reached the inbox (whatever became of it).</summary>
    public Task<bool> HasDeliveryAsync(string guid) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT 1 FROM deliveries WHERE guid = @guid";
        command.Set("@guid", guid);
        return command.ExecuteScalar() is not null;
    }, upToDate: true);

    /// <summary>When the last delivery arrived; null when none ever did.</summary>
    public Task<DateTimeOffset?> LastReceivedAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT MAX(received_at) FROM deliveries";
        return command.ExecuteScalar() is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : (DateTimeOffset?)null;
    }, upToDate: true);

    /// <summary>The newest deliveries, optionally only those in one state, for the dashboard.</summary>
    public Task<IReadOnlyList<DeliverySummary>> ReadDeliveriesAsync(int limit, DeliveryState? state = null) => WithWorkerAsync<IReadOnlyList<DeliverySummary>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            SELECT guid, event, action, state, attempts, received_at, last_error FROM deliveries
            {(state is null ? "" : "WHERE state = @state")} ORDER BY id DESC LIMIT @limit
            """;
        if (state is not null) command.Set("@state", (int)state);
        command.Set("@limit", limit);
        return command.ReadAll(reader => new DeliverySummary(reader.GetString(0), reader.IsDBNull(2) ? reader.GetString(1) : $"{reader.GetString(1)}.{reader.GetString(2)}",
                (DeliveryState)reader.GetInt32(3), reader.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
    }, upToDate: true);

    /// <summary>A dead letter goes back to the queue with a fresh set of attempts (the dashboard's retry button).</summary>
    public Task<bool> RetryDeadAsync(string guid) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE deliveries SET state = 0, attempts = 0, next_attempt_at = @now, last_error = NULL WHERE guid = @guid AND state = 3";
        command.Set("@guid", guid);
        command.Set("@now", Now);
        return command.ExecuteNonQuery() == 1;
    }, upToDate: true);

    /// <summary>A card's columns over time, oldest first.</summary>
    public Task<IReadOnlyList<(string Column, DateTimeOffset At, string MovedBy)>> ReadStatusHistoryAsync(string contentNodeId) =>
        WithWorkerAsync<IReadOnlyList<(string, DateTimeOffset, string)>>(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT status, at, moved_by FROM board_status_history WHERE content_node_id = @content ORDER BY at, id";
            command.Set("@content", contentNodeId);
            return command.ReadAll(reader => (reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2)));
        });

    /// <summary>Readiness: the file can be read and written.</summary>
    public Task<bool> IsReachableAsync() => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries WHERE id < 0";
        return command.ExecuteScalar() is not null;
    });

    public async ValueTask DisposeAsync()
    {
        _stores.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _upkeepLoop.ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed record PendingStore(IncomingDelivery Delivery, TaskCompletionSource<StoreOutcome> Result);
}

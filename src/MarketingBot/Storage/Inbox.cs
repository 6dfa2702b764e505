using System.Data.Common;
using System.Threading.Channels;

namespace MarketingBot.Storage;

/// <summary>
/// The durable delivery queue and its audit log: store, claim, complete, fail, requeue, count, and the
/// dashboard's reads. Intake writes go through a single writer that commits many deliveries per transaction
/// (group commit), so one flush to disk covers a burst. What differs between the two databases
/// (connections, schema, how deliveries are claimed, background upkeep) is the <see cref="StorageEngine"/>'s.
/// The bot's other memory lives beside each feature (board cards, approvals, reminders, request history, job runs).
/// </summary>
public sealed class Inbox : IAsyncDisposable
{
    private const int MaxGroupCommit = 512;

    private readonly Database _database;
    private readonly Channel<PendingStore> _stores = Channel.CreateUnbounded<PendingStore>(new() { SingleReader = true });
    private readonly Task _writerLoop;

    public Inbox(Database database)
    {
        _database = database;
        _writerLoop = Task.Run(WriteLoopAsync);
    }

    private StorageEngine Engine => _database.Engine;

    private long Now => _database.Now;

    /// <summary>Why the last store failed (a full disk, a failing database), until one succeeds again; null while stores succeed.</summary>
    public string? StoreFailure { get; private set; }

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
                var outcomes = await Engine.StoreAsync(deliveries, Now).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(outcomes[i]);
                StoreFailure = null;
            }
            catch (Exception ex)
            {
                StoreFailure = $"{ex.GetType().Name}: {ex.Message}";
                foreach (var pending in batch) pending.Result.TrySetException(ex);
            }
        }
    }

    private Task<T> WithWorkerAsync<T>(Func<DbConnection, T> work, bool upToDate = false) => _database.UseAsync(work, upToDate);

    private Task WithWorkerAsync(Action<DbConnection> work) => _database.UseAsync(work);

    /// <summary>
    /// Deliveries whose processing was cut short go back to the queue: with SQLite, every one left
    /// in progress by the previous run; with PostgreSQL, those of replicas that stopped answering.
    /// </summary>
    public Task<int> RequeueInterruptedAsync() => WithWorkerAsync(c => Engine.RequeueInterrupted(c, Now));

    /// <summary>
    /// Claims ready deliveries, oldest first, skipping any whose issue has an earlier delivery
    /// still waiting or running: events of one issue are applied in the order they arrived.
    /// </summary>
    public Task<IReadOnlyList<ClaimedDelivery>> ClaimReadyAsync(int max) => WithWorkerAsync<IReadOnlyList<ClaimedDelivery>>(c =>
    {
        using var command = Engine.ClaimCommand(c, Now, max);
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
            audit.Set("@effects", effects.Count == 0 ? "" : System.Text.Json.JsonSerializer.Serialize(effects));
            audit.Set("@error", error);
            audit.ExecuteNonQuery();
        }
        transaction.Commit();
    });

    /// <summary>Hands a claimed delivery back untouched (the bot is shutting down): queued again, its attempt not counted.</summary>
    public Task ReleaseAsync(ClaimedDelivery delivery) => WithWorkerAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE deliveries SET state = 0, attempts = attempts - 1 WHERE id = @id AND state = 1";
        command.Set("@id", delivery.Id);
        command.ExecuteNonQuery();
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
        return (long)command.ExecuteScalar()! + Engine.NotYetInTables;
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
                // A JSON list, since an effect may carry a comment's text over several lines; rows written before that are one effect a line.
                effects.Length == 0 ? [] : effects.StartsWith('[') ? System.Text.Json.JsonSerializer.Deserialize<string[]>(effects)! : effects.Split('\n'),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }
        return entries;
    }, upToDate: true);

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

    /// <summary>Stops taking deliveries once those already handed in are stored; the database stays open for its other users.</summary>
    public async ValueTask DisposeAsync()
    {
        _stores.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
    }

    private sealed record PendingStore(IncomingDelivery Delivery, TaskCompletionSource<StoreOutcome> Result);
}

using System.Data.Common;

namespace MarketingBot.Storage;

/// <summary>
/// What the <see cref="Database"/> and the <see cref="Inbox"/> need from a database beyond the SQL both understand:
/// connections, the schema and its migrations, how deliveries are claimed and recovered, and upkeep.
/// </summary>
internal abstract class StorageEngine : IAsyncDisposable
{
    /// <summary>Where the records live, for readiness and logs; never a password.</summary>
    public abstract string Location { get; }

    public abstract SqlDialect Dialect { get; }

    public abstract TimeSpan UpkeepInterval { get; }

    /// <summary>Called once when the database opens, after the schema is current.</summary>
    public virtual void Start(long now)
    {
    }

    /// <summary>
    /// Runs work on the connection the bot's reads and updates share. Only with <paramref name="upToDate"/> does
    /// the work see every delivery stored: SQLite then first copies the rest of its journal into the tables,
    /// which only reads of the deliveries need.
    /// </summary>
    public abstract Task<T> UseAsync<T>(Func<DbConnection, T> work, bool upToDate = false);

    /// <summary>Deliveries stored but not yet in the tables.</summary>
    public virtual long NotYetInTables => 0;

    /// <summary>
    /// Stores a group of accepted deliveries and returns once they are on disk: new ones, and repeats of one
    /// that died or waits for a retry, are queued; any other repeat was already handled. Only the inbox's
    /// write loop calls this, one group at a time.
    /// </summary>
    public abstract Task<StoreOutcome[]> StoreAsync(IReadOnlyList<IncomingDelivery> deliveries, long now);

    /// <summary>
    /// A command that marks ready deliveries in progress and returns them (id, guid, event, action,
    /// installation_id, ordering_key, body, body_length, attempts, received_at); null when none is ready.
    /// SQLite first copies from its journal what the claim may take.
    /// </summary>
    public abstract DbCommand? ClaimCommand(DbConnection connection, long now, int max);

    /// <summary>Deliveries whose processing was cut short go back to the queue; returns how many.</summary>
    public abstract int RequeueInterrupted(DbConnection connection, long now);

    /// <summary>Background upkeep every <see cref="UpkeepInterval"/>: SQLite checkpoints; PostgreSQL heartbeats and lease expiry.</summary>
    public abstract Task UpkeepAsync(long now);

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// The search for claimable deliveries both engines share: oldest first, and none whose issue has
    /// an earlier delivery waiting or one running.
    /// </summary>
    /// Each check is two seeks on <c>deliveries(ordering_key, state, id)</c>: "an earlier one waiting" and "one running" apart,
    /// since together (an OR over the state) they walked every waiting delivery of the issue, which for a hot issue in a
    /// long backlog is thousands of rows per check.
    internal const string ReadyDeliveries = """
        SELECT d.id FROM deliveries d
        WHERE d.state = 0 AND d.next_attempt_at <= @now
          AND (d.ordering_key IS NULL OR (
              NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.ordering_key = d.ordering_key AND e.state = 0 AND e.id < d.id)
              AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.ordering_key = d.ordering_key AND e.state = 1)))
        ORDER BY d.id
        LIMIT @max
        """;

    /// <summary>
    /// Inserts deliveries into the inbox table, their bodies compressed. A redelivery revives only a dead delivery, or one waiting for a
    /// retry; a done or running one is left alone, and RETURNING then yields no row.
    /// </summary>
    protected static StoreOutcome[] InsertDeliveries(DbConnection connection, DbTransaction transaction, IReadOnlyList<AcceptedDelivery> deliveries)
    {
        var outcomes = new StoreOutcome[deliveries.Count];
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO deliveries (guid, event, action, installation_id, ordering_key, received_at, body, body_length, state, attempts, next_attempt_at)
            VALUES (@guid, @event, @action, @installation, @key, @now, @body, @length, 0, 0, @now)
            ON CONFLICT (guid) DO UPDATE SET state = 0, attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL
                WHERE deliveries.state = 3 OR (deliveries.state = 0 AND deliveries.attempts > 0)
            RETURNING id
            """;
        string[] names = ["@guid", "@event", "@action", "@installation", "@key", "@now", "@body", "@length"];
        foreach (var name in names) insert.Set(name, null);
        var values = insert.Parameters;
        for (var i = 0; i < deliveries.Count; i++)
        {
            var (d, receivedAt) = deliveries[i];
            values[0].Value = d.Guid;
            values[1].Value = d.Event;
            values[2].Value = (object?)d.Action ?? DBNull.Value;
            values[3].Value = (object?)d.InstallationId ?? DBNull.Value;
            values[4].Value = (object?)d.OrderingKey ?? DBNull.Value;
            values[5].Value = receivedAt;
            values[6].Value = BodyCompression.Compress(d.Body.Span);
            values[7].Value = d.Body.Length;
            outcomes[i] = insert.ExecuteScalar() is null or DBNull ? StoreOutcome.AlreadyHandled : StoreOutcome.Queued;
        }
        return outcomes;
    }

    protected const string ClaimedColumns = "id, guid, event, action, installation_id, ordering_key, body, body_length, attempts, received_at";
}

/// <summary>A delivery with the time the intake accepted it.</summary>
internal readonly record struct AcceptedDelivery(IncomingDelivery Delivery, long ReceivedAt);

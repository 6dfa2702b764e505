using System.Data.Common;

namespace MarketingBot.Storage;

/// <summary>
/// What the <see cref="Inbox"/> needs from a database beyond the SQL both understand:
/// connections, the schema and its migrations, how deliveries are claimed and recovered, and upkeep.
/// </summary>
internal abstract class StorageEngine : IAsyncDisposable
{
    /// <summary>Where the records live, for readiness and logs; never a password.</summary>
    public abstract string Location { get; }

    /// <summary>The unique key an approval is upserted on: one word per person and request, whatever the login's case.</summary>
    public abstract string ApprovalKey { get; }

    public abstract TimeSpan UpkeepInterval { get; }

    /// <summary>Called once when the inbox opens, after the schema is current.</summary>
    public virtual void Start(long now)
    {
    }

    /// <summary>Runs work on the connection the bot's reads and updates share.</summary>
    public abstract Task<T> UseAsync<T>(Func<DbConnection, T> work);

    /// <summary>Runs the intake's group commit on the writer's connection.</summary>
    public abstract Task<T> WriteAsync<T>(Func<DbConnection, T> work);

    /// <summary>
    /// A command that marks ready deliveries in progress and returns them (id, guid, event, action,
    /// installation_id, ordering_key, body, body_length, attempts, received_at); null when none is ready.
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
    internal const string ReadyDeliveries = """
        SELECT d.id FROM deliveries d
        WHERE d.state = 0 AND d.next_attempt_at <= @now
          AND (d.ordering_key IS NULL OR NOT EXISTS (
              SELECT 1 FROM deliveries e
              WHERE e.ordering_key = d.ordering_key AND e.state IN (0, 1) AND (e.id < d.id OR e.state = 1)))
        ORDER BY d.id
        LIMIT @max
        """;

    protected const string ClaimedColumns = "id, guid, event, action, installation_id, ordering_key, body, body_length, attempts, received_at";
}

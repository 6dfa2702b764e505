using System.Data.Common;
using Npgsql;

namespace MarketingBot.Storage.Postgres;

/// <summary>
/// PostgreSQL, shared by several replicas. Any replica may take in a delivery and any may process it:
/// claims use <c>FOR UPDATE SKIP LOCKED</c>, so two replicas never take the same row, and the
/// ordering check sees every replica's claims. Each replica marks the rows it claimed and keeps a
/// heartbeat; rows of a replica whose heartbeat stops are queued again by the others.
/// </summary>
internal sealed class PostgresStorage : StorageEngine
{
    /// <summary>A replica silent this long is taken for dead; its deliveries in progress go back to the queue.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    // Any constant the bot alone uses: replicas starting together migrate one after the other.
    private const long MigrationLock = 0x4D6B74426F74;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _replica = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>How long start-up waits for the database (it may be starting beside the bot, as in compose).</summary>
    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(30);

    private PostgresStorage(NpgsqlDataSource dataSource, string location)
    {
        _dataSource = dataSource;
        Location = location;
        var deadline = DateTime.UtcNow + StartupWait;
        while (true)
        {
            try
            {
                using var connection = dataSource.OpenConnection();
                Migrate(connection);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
            catch (NpgsqlException ex)
            {
                dataSource.Dispose();
                throw new InvalidOperationException($"Storage: could not open {location}: {ex.Message}. Check Storage__ConnectionString and that the database is up.", ex);
            }
        }
    }

    public static PostgresStorage Open(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The message names the bad keyword, never the value: the string may hold a password.
            throw new InvalidOperationException(
                $"Storage__ConnectionString is not a PostgreSQL connection string ({ex.Message}); expected e.g. Host=db;Port=5432;Database=marketingbot;Username=bot;Password=...", ex);
        }
        return new PostgresStorage(NpgsqlDataSource.Create(builder), $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}");
    }

    public override string Location { get; }

    public override SqlDialect Dialect => SqlDialect.Postgres;

    public override TimeSpan UpkeepInterval => TimeSpan.FromSeconds(2);

    /// <summary>Schema steps in order; a database at version N gets steps N+1 onwards, each in its own transaction.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE deliveries (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            event TEXT NOT NULL,
            action TEXT,
            installation_id BIGINT,
            ordering_key TEXT,
            received_at BIGINT NOT NULL,
            body BYTEA NOT NULL,
            body_length INTEGER NOT NULL,
            state INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            last_error TEXT,
            finished_at BIGINT,
            claimed_by TEXT);
        CREATE INDEX deliveries_ready ON deliveries(state, next_attempt_at, id);
        CREATE INDEX deliveries_ordering ON deliveries(ordering_key, id) WHERE state IN (0, 1);
        CREATE TABLE replicas (
            id TEXT PRIMARY KEY,
            seen_at BIGINT NOT NULL);
        CREATE TABLE audit (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            delivery_id BIGINT NOT NULL REFERENCES deliveries(id),
            attempt INTEGER NOT NULL,
            at BIGINT NOT NULL,
            outcome TEXT NOT NULL,
            dry_run INTEGER NOT NULL,
            effects TEXT NOT NULL,
            error TEXT);
        CREATE INDEX audit_delivery ON audit(delivery_id);
        CREATE TABLE board_cards (
            content_node_id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            status TEXT,
            archived INTEGER NOT NULL,
            updated_at BIGINT NOT NULL,
            installation_id BIGINT);
        CREATE INDEX board_cards_installation ON board_cards(installation_id);
        CREATE TABLE board_status_history (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            content_node_id TEXT NOT NULL,
            status TEXT NOT NULL,
            at BIGINT NOT NULL,
            moved_by TEXT NOT NULL);
        CREATE INDEX board_status_history_card ON board_status_history(content_node_id, at);
        CREATE TABLE approvals (
            issue TEXT NOT NULL,
            login TEXT NOT NULL,
            roles TEXT NOT NULL,
            approves INTEGER NOT NULL,
            note TEXT,
            comment_id BIGINT NOT NULL,
            at BIGINT NOT NULL);
        CREATE UNIQUE INDEX approvals_person ON approvals(issue, lower(login));
        CREATE TABLE snoozes (
            item TEXT PRIMARY KEY,
            until BIGINT NOT NULL,
            by TEXT NOT NULL);
        CREATE TABLE job_runs (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            job TEXT NOT NULL,
            occurrence BIGINT NOT NULL,
            started_at BIGINT NOT NULL,
            finished_at BIGINT,
            outcome TEXT,
            UNIQUE (job, occurrence));
        CREATE TABLE nags (
            item TEXT PRIMARY KEY,
            place TEXT NOT NULL,
            title TEXT NOT NULL,
            first_at BIGINT NOT NULL,
            last_at BIGINT NOT NULL,
            sent INTEGER NOT NULL,
            resolved_at BIGINT);
        CREATE INDEX nags_place ON nags(place);
        CREATE TABLE nag_log (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            item TEXT NOT NULL,
            at BIGINT NOT NULL,
            resolved INTEGER NOT NULL);
        CREATE TABLE requests (
            node_id TEXT PRIMARY KEY,
            repository TEXT NOT NULL,
            number INTEGER NOT NULL,
            type TEXT NOT NULL,
            opened_at BIGINT NOT NULL,
            valid_at_open INTEGER,
            publish_date TEXT,
            completed_at BIGINT);
        """,
        // Claims walk the waiting rows in id order and stop at the first few ready ones, instead of sorting the backlog.
        """
        DROP INDEX IF EXISTS deliveries_ready;
        CREATE INDEX deliveries_state ON deliveries(state, id);
        """,
        SharedMigrations.ContentPlannerQueue,
        SharedMigrations.BotComments,
        SharedMigrations.PlannerFirstWrite,
        SharedMigrations.SignInKeys,
        SharedMigrations.CampaignPlans,
        SharedMigrations.ClaimOrderingIndex,
    ];

    /// <summary>The schema's version once every step is applied.</summary>
    internal static int SchemaVersion => Migrations.Length;

    private static void Migrate(NpgsqlConnection connection)
    {
        while (true)
        {
            using var transaction = connection.BeginTransaction();
            connection.Execute($"""
                SELECT pg_advisory_xact_lock({MigrationLock});
                CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
                """, transaction);
            using var version = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection, transaction);
            var applied = Convert.ToInt32(version.ExecuteScalar());
            if (applied >= Migrations.Length) return;
            connection.Execute(Migrations[applied], transaction);
            connection.Execute($"INSERT INTO schema_migrations (version) VALUES ({applied + 1})", transaction);
            transaction.Commit();
        }
    }

    public override void Start(long now)
    {
        using var connection = _dataSource.OpenConnection();
        Heartbeat(connection, now);
    }

    /// <summary>A stored delivery is in the tables at once, so every use is up to date.</summary>
    public override async Task<T> UseAsync<T>(Func<DbConnection, T> work, bool upToDate = false)
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        return work(connection);
    }

    public override Task<StoreOutcome[]> StoreAsync(IReadOnlyList<IncomingDelivery> deliveries, long now) => UseAsync(connection =>
    {
        using var transaction = connection.BeginTransaction();
        var outcomes = InsertDeliveries(connection, transaction, deliveries.Select(d => new AcceptedDelivery(d, now)).ToArray());
        transaction.Commit();
        return outcomes;
    });

    public override DbCommand? ClaimCommand(DbConnection connection, long now, int max)
    {
        // Rows another replica is claiming at this moment are locked and skipped, not waited for; the
        // ordering check still sees them waiting, so no later event of their issue slips past.
        var claim = connection.CreateCommand();
        claim.CommandText = $"""
            WITH ready AS ({ReadyDeliveries} FOR UPDATE OF d SKIP LOCKED)
            UPDATE deliveries SET state = 1, attempts = attempts + 1, claimed_by = @replica
            FROM ready WHERE deliveries.id = ready.id
            RETURNING {string.Join(", ", ClaimedColumns.Split(", ").Select(c => $"deliveries.{c}"))}
            """;
        claim.Set("@now", now);
        claim.Set("@max", max);
        claim.Set("@replica", _replica);
        return claim;
    }

    /// <summary>Rows claimed by a replica that stopped heartbeating (killed, or cut off) go back to the queue.</summary>
    public override int RequeueInterrupted(DbConnection connection, long now)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE deliveries SET state = 0, claimed_by = NULL
            WHERE state = 1 AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.id = deliveries.claimed_by AND r.seen_at > @stale)
            """;
        command.Set("@stale", now - (long)Lease.TotalMilliseconds);
        return command.ExecuteNonQuery();
    }

    public override Task UpkeepAsync(long now) => UseAsync(connection =>
    {
        Heartbeat(connection, now);
        return RequeueInterrupted(connection, now);
    });

    private void Heartbeat(DbConnection connection, long now)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO replicas (id, seen_at) VALUES (@replica, @now) ON CONFLICT (id) DO UPDATE SET seen_at = @now;
            DELETE FROM replicas WHERE seen_at < @forgotten;
            """;
        command.Set("@replica", _replica);
        command.Set("@now", now);
        command.Set("@forgotten", now - (long)TimeSpan.FromDays(1).TotalMilliseconds);
        command.ExecuteNonQuery();
    }

    /// <summary>Leaving says so at once: what this replica still had in progress is queued again without waiting out the lease.</summary>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await UseAsync(c =>
            {
                using var command = c.CreateCommand();
                command.CommandText = "DELETE FROM replicas WHERE id = @replica";
                command.Set("@replica", _replica);
                return command.ExecuteNonQuery();
            }).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // The database is gone: the lease runs out instead.
        }
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }
}

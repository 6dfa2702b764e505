using System.Data.Common;
using MarketingBot.Configuration;
using MarketingBot.Storage.Postgres;
using MarketingBot.Storage.Sqlite;

namespace MarketingBot.Storage;

/// <summary>
/// The bot's one database, in SQLite (one instance) or PostgreSQL (several replicas), as every store shares it:
/// its connection, the clock its records are stamped with, the SQL dialect, and the engine's background upkeep.
/// It knows nothing of deliveries or of any feature; the <see cref="Inbox"/> and each feature's records
/// (e.g. <c>Commands/ApprovalRecords</c>) are built on it.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _upkeepLoop;
    private readonly Action<Exception?> _upkeepOutcome;

    private Database(StorageEngine engine, TimeProvider time, Action<Exception?>? upkeepOutcome)
    {
        Engine = engine;
        _time = time;
        _upkeepOutcome = upkeepOutcome ?? (_ => { });
        Engine.Start(Now);
        _upkeepLoop = Task.Run(UpkeepLoopAsync);
    }

    /// <summary>Opens the database <c>Storage__Provider</c> names, creating or migrating its schema.</summary>
    /// <param name="intakeBusy">Whether a burst of deliveries is going on: SQLite then leaves its journal for later. Without it, never.</param>
    /// <param name="upkeepOutcome">Told after each round of upkeep: null when it went through, else what it threw.</param>
    public static Database Open(StorageSettings storage, TimeProvider time, Func<bool>? intakeBusy = null, Action<Exception?>? upkeepOutcome = null) =>
        storage.Engine switch
        {
            StorageProvider.Postgres => new(PostgresStorage.Open(storage.PostgresConnectionString), time, upkeepOutcome),
            _ => new(SqliteStorage.Open(storage.SqliteConnectionString, intakeBusy), time, upkeepOutcome),
        };

    public static Database OpenSqlite(string connectionString, TimeProvider time, Func<bool>? intakeBusy = null) =>
        new(SqliteStorage.Open(connectionString, intakeBusy), time, null);

    public static Database OpenPostgres(string connectionString, TimeProvider time) => new(PostgresStorage.Open(connectionString), time, null);

    internal StorageEngine Engine { get; }

    /// <summary>Where the records live, for readiness and logs; never a password.</summary>
    public string Location => Engine.Location;

    /// <summary>Which SQL the database speaks beyond what both share, for the few statements that differ.</summary>
    public SqlDialect Dialect => Engine.Dialect;

    /// <summary>The moment records are stamped with, in Unix milliseconds.</summary>
    internal long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Runs work on the shared connection; <paramref name="upToDate"/> when it reads the deliveries and must see every one stored.</summary>
    internal Task<T> UseAsync<T>(Func<DbConnection, T> work, bool upToDate = false) => Engine.UseAsync(work, upToDate);

    internal Task UseAsync(Action<DbConnection> work) => Engine.UseAsync(c => { work(c); return true; });

    /// <summary>Readiness: the database can be read.</summary>
    public Task<bool> IsReachableAsync() => UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries WHERE id < 0";
        return command.ExecuteScalar() is not null;
    });

    /// <summary>The engine's background upkeep at its interval (SQLite: journal copying and checkpoints; PostgreSQL: heartbeats and lease expiry).</summary>
    private async Task UpkeepLoopAsync()
    {
        using var timer = new PeriodicTimer(Engine.UpkeepInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await Engine.UpkeepAsync(Now).ConfigureAwait(false);
                    _upkeepOutcome(null);
                }
                catch (Exception ex)
                {
                    // The database is unreachable, full or broken: the owner reports it, and the next tick tries again.
                    _upkeepOutcome(ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _upkeepLoop.ConfigureAwait(false);
        await Engine.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>The SQL a database speaks where SQLite and PostgreSQL differ.</summary>
public enum SqlDialect
{
    Sqlite,
    Postgres,
}

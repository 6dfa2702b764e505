using MarketingBot.Storage;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.Storage;

/// <summary>
/// A contract of one store, declared once and run on every database: each contract has a subclass on
/// SQLite and one on PostgreSQL, which differ only in the <see cref="TestDatabase"/> they are given.
/// </summary>
public abstract class StorageContract(TestDatabase testDatabase) : IAsyncLifetime
{
    protected readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));

    /// <summary>This test's database, opened once per test.</summary>
    protected Database Database { get; private set; } = null!;

    protected TestDatabase TestDatabase => testDatabase;

    public virtual async Task InitializeAsync()
    {
        await testDatabase.CreateAsync();
        Database = testDatabase.Open(Time);
    }

    public virtual async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await testDatabase.DisposeAsync();
    }

    /// <summary>Closes and opens this test's database again, as a restart of the bot would.</summary>
    protected async Task ReopenDatabaseAsync()
    {
        await Database.DisposeAsync();
        Database = testDatabase.Open(Time);
    }
}

/// <summary>Where a storage test keeps its database: a file of its own, or a database of its own on the shared server.</summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public abstract Task CreateAsync();

    /// <summary>Opens the database (again); every call gives a new connection, as another replica or a restart would have.</summary>
    public abstract Database Open(TimeProvider time);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class SqliteTestDatabase : TestDatabase
{
    public TempFolder Folder { get; } = new();

    public string ConnectionString => $"Data Source={Folder.File("inbox.db")}";

    public override Task CreateAsync() => Task.CompletedTask;

    public override Database Open(TimeProvider time) => Database.OpenSqlite(ConnectionString, time);

    public override ValueTask DisposeAsync()
    {
        Folder.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresTestDatabase(PostgresServer server) : TestDatabase
{
    public string ConnectionString { get; private set; } = null!;

    public PostgresServer Server => server;

    public override async Task CreateAsync() => ConnectionString = await server.CreateDatabaseAsync();

    public override Database Open(TimeProvider time) => Database.OpenPostgres(ConnectionString, time);
}

/// <summary>An inbox on a database of its own (another replica, or a restarted bot), closed together.</summary>
public sealed class OpenedInbox(Database database) : IAsyncDisposable
{
    public Database Database => database;

    public Inbox Inbox { get; } = new(database);

    public async ValueTask DisposeAsync()
    {
        await Inbox.DisposeAsync();
        await database.DisposeAsync();
    }
}

using MarketingBot.Planner;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Planner;

/// <summary>Content Planner rows waiting for the sheet, alike on every database.</summary>
public abstract class PlannerQueueContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private static readonly IReadOnlyList<string> Columns = ["Issue", "Title", "URL"];

    private PlannerQueue Queue => new(Database);

    private static PlannerRow Row(int number, string title) =>
        new($"https://github.com/acme/customer/issues/{number}", new Dictionary<string, string> { ["Issue"] = $"#{number}", ["Title"] = title });

    [StorageFact]
    public async Task A_later_row_for_a_request_replaces_the_waiting_one_and_rows_outlive_a_restart()
    {
        await Queue.EnqueueAsync(Row(7, "First"), Columns, rewrite: false);
        Time.Advance(TimeSpan.FromSeconds(1));
        await Queue.EnqueueAsync(Row(8, "Other"), Columns, rewrite: true);
        Time.Advance(TimeSpan.FromSeconds(1));
        await Queue.EnqueueAsync(Row(7, "Second"), Columns, rewrite: false);

        // Oldest change first: the row queued again goes behind the one that has waited longer.
        await ReopenDatabaseAsync();
        var waiting = await Queue.ReadAsync();
        Assert.Equal([("Other", true), ("Second", false)], waiting.Select(q => (q.Row.Values["Title"], q.Rewrite)));
        Assert.Equal(Columns, waiting[0].Columns);
        Assert.Equal(2, await Queue.CountAsync());
    }

    [StorageFact]
    public async Task A_rewrite_asked_for_stays_asked_for_when_a_plain_row_replaces_it()
    {
        await Queue.EnqueueAsync(Row(7, "Drifted"), Columns, rewrite: true);
        await Queue.EnqueueAsync(Row(7, "Edited"), Columns, rewrite: false);
        Assert.True(Assert.Single(await Queue.ReadAsync()).Rewrite);
    }

    [StorageFact]
    public async Task A_first_write_stays_one_while_it_waits_and_a_row_queued_after_it_was_written_is_not()
    {
        await Queue.EnqueueAsync(Row(7, "Opened"), Columns, rewrite: false, firstWrite: true);
        await Queue.EnqueueAsync(Row(7, "Edited at once"), Columns, rewrite: false);
        await ReopenDatabaseAsync();
        var waiting = Assert.Single(await Queue.ReadAsync());
        Assert.True(waiting.FirstWrite);

        await Queue.RemoveWrittenAsync([waiting]);
        await Queue.EnqueueAsync(Row(7, "Edited later"), Columns, rewrite: false);
        Assert.False(Assert.Single(await Queue.ReadAsync()).FirstWrite);
    }

    [StorageFact]
    public async Task Written_rows_are_removed_unless_a_newer_version_was_queued_meanwhile()
    {
        await Queue.EnqueueAsync(Row(7, "First"), Columns, rewrite: false);
        await Queue.EnqueueAsync(Row(8, "Other"), Columns, rewrite: false);
        var written = await Queue.ReadAsync();
        await Queue.EnqueueAsync(Row(7, "Second"), Columns, rewrite: false);

        await Queue.RemoveWrittenAsync(written);
        Assert.Equal("Second", Assert.Single(await Queue.ReadAsync()).Row.Values["Title"]);
    }
}

public sealed class PlannerQueueOnSqlite() : PlannerQueueContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class PlannerQueueOnPostgres(PostgresServer server) : PlannerQueueContract(new PostgresTestDatabase(server)), IUsesPostgres;

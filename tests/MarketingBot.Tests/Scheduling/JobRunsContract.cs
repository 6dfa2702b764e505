using MarketingBot.Scheduling;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Scheduling;

/// <summary>Scheduled job runs, alike on every database.</summary>
public abstract class JobRunsContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private JobRuns Records => new(Database);

    [StorageFact]
    public async Task A_scheduled_occurrence_runs_once_and_a_failed_one_may_run_again_five_minutes_later()
    {
        var occurrence = new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
        Assert.True(await Records.TryStartJobAsync("two-hour", occurrence));
        Assert.False(await Records.TryStartJobAsync("two-hour", occurrence));
        Assert.True(await Records.TryStartJobAsync("review", occurrence));
        await Records.FinishJobAsync("review", occurrence, "opened #12");
        await Records.FinishJobAsync("two-hour", occurrence, $"{JobOutcome.FailedPrefix}GitHub said 502");

        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(await Records.TryStartJobAsync("two-hour", occurrence));
        Assert.False(await Records.TryStartJobAsync("review", occurrence));
        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await Records.TryStartJobAsync("two-hour", occurrence));
        Assert.False(await Records.TryStartJobAsync("review", occurrence));

        var runs = await Records.ReadJobRunsAsync();
        Assert.Equal([("two-hour", null), ("review", "opened #12")], runs.Select(r => (r.Job, r.Outcome)));
    }

}

public sealed class JobRunsOnSqlite() : JobRunsContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class JobRunsOnPostgres(PostgresServer server) : JobRunsContract(new PostgresTestDatabase(server)), IUsesPostgres;

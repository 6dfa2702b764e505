using MarketingBot.Reminders;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Reminders;

/// <summary>Two-hour reminders, their log and snoozes, alike on every database.</summary>
public abstract class NagRecordsContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private NagRecords Records => new(Database);

    [StorageFact]
    public async Task Reminders_are_counted_sent_and_resolved_and_a_snooze_is_remembered()
    {
        var from = Time.GetUtcNow();
        await Records.RecordNagAsync("DI_1", "acme/tracker", "Write the launch post");
        await Records.RecordNagAsync("DI_1", "acme/tracker", "Write the launch post (4h)");
        await Records.RecordNagAsync("DI_2", "acme/tracker", "Shoot the demo");
        await Records.ResolveNagAsync("DI_2");
        await Records.ResolveNagAsync("DI_2");
        await Records.RecordSnoozeAsync("DI_1", from.AddDays(2), "mona");

        var open = Assert.Single(await Records.ReadOpenNagsAsync("acme/tracker"));
        Assert.Equal(("DI_1", "Write the launch post (4h)", 2), (open.Item, open.Title, open.Sent));
        Assert.Empty(await Records.ReadOpenNagsAsync("acme/other"));
        Assert.Equal((3, 1), await Records.CountNagsAsync(from, from.AddDays(1)));
        Assert.Equal((0, 0), await Records.CountNagsAsync(from.AddDays(1), from.AddDays(2)));
        Assert.Equal(from.AddDays(2), await Records.SnoozedUntilAsync("DI_1"));
        Assert.Null(await Records.SnoozedUntilAsync("DI_2"));
    }


    [StorageFact]
    public async Task A_resolved_reminder_that_comes_back_is_open_again_and_a_later_snooze_replaces_the_earlier()
    {
        var from = Time.GetUtcNow();
        await Records.RecordNagAsync("DI_1", "acme/tracker", "Write the launch post");
        await Records.ResolveNagAsync("DI_1");
        Assert.Empty(await Records.ReadOpenNagsAsync("acme/tracker"));
        await Records.RecordNagAsync("DI_1", "acme/tracker", "Write the launch post");
        Assert.Equal(2, Assert.Single(await Records.ReadOpenNagsAsync("acme/tracker")).Sent);
        Assert.Equal((2, 1), await Records.CountNagsAsync(from, from.AddMinutes(1)));

        await Records.RecordSnoozeAsync("DI_1", from.AddDays(1), "mona");
        await Records.RecordSnoozeAsync("DI_1", from.AddDays(3), "hubot");
        Assert.Equal(from.AddDays(3), await Records.SnoozedUntilAsync("DI_1"));
    }
}

public sealed class NagRecordsOnSqlite() : NagRecordsContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class NagRecordsOnPostgres(PostgresServer server) : NagRecordsContract(new PostgresTestDatabase(server)), IUsesPostgres;

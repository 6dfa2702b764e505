using MarketingBot.Board;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Board;

/// <summary>Where cards are and how they moved, alike on every database.</summary>
public abstract class CardRecordsContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private CardRecords Records => new(Database);

    [StorageFact]
    public async Task A_card_remembers_its_column_and_each_move_once_with_who_moved_it()
    {
        await Records.RecordCardAsync(7, new BoardCard("I_1", "PVT_1", "PVTI_1", null, false), "MarketingBot");
        Time.Advance(TimeSpan.FromHours(1));
        await Records.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", false), "mona");
        await Records.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", false), "mona");
        Time.Advance(TimeSpan.FromHours(1));
        await Records.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", true), "MarketingBot");

        Assert.Equal(new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", true), await Records.FindCardAsync("I_1"));
        Assert.Equal("I_1", Assert.Single(await Records.ListCardsAsync(7)).ContentNodeId);
        Assert.Equal([BoardCard.NoStatus, "In progress", BoardCard.Archived], (await Records.ReadStatusHistoryAsync("I_1")).Select(h => h.Column));
        Assert.Equal("mona", (await Records.ReadStatusHistoryAsync("I_1"))[1].MovedBy);
        Assert.Equal(3, (await Records.ReadAllStatusHistoryAsync()).Count);

        await Records.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", null, false, Removed: true), "mona");
        Assert.Null(await Records.FindCardAsync("I_1"));
        Assert.Equal(BoardCard.RemovedColumn, (await Records.ReadStatusHistoryAsync("I_1"))[^1].Column);
    }


    [StorageFact]
    public async Task Cards_are_listed_per_installation_and_outlive_a_restart()
    {
        await Records.RecordCardAsync(7, new BoardCard("I_1", "PVT_1", "PVTI_1", "Todo", false), "MarketingBot");
        await Records.RecordCardAsync(8, new BoardCard("I_2", "PVT_2", "PVTI_2", null, false), "MarketingBot");
        // A later record without an installation keeps the one already known.
        await Records.RecordCardAsync(null, new BoardCard("I_1", "PVT_1", "PVTI_1", "In progress", false), "mona");

        await ReopenDatabaseAsync();
        Assert.Equal([("I_1", "In progress")], (await Records.ListCardsAsync(7)).Select(c => (c.ContentNodeId, c.Status)));
        Assert.Equal(["I_2"], (await Records.ListCardsAsync(8)).Select(c => c.ContentNodeId));
        Assert.Empty(await Records.ListCardsAsync(9));
    }
}

public sealed class CardRecordsOnSqlite() : CardRecordsContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class CardRecordsOnPostgres(PostgresServer server) : CardRecordsContract(new PostgresTestDatabase(server)), IUsesPostgres;

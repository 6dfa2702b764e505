using MarketingBot.Review;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Review;

/// <summary>Requests as the monthly review counts them, alike on every database.</summary>
public abstract class RequestHistoryContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private RequestHistory Records => new(Database);

    [StorageFact]
    public async Task A_request_keeps_whether_it_was_complete_when_opened_while_later_events_update_the_rest()
    {
        var opened = Time.GetUtcNow();
        await Records.RecordRequestAsync(new RequestRecord("I_1", "acme/marketing", 1, "blog-post", opened, false, null, null), opening: true);
        await Records.RecordRequestAsync(new RequestRecord("I_1", "acme/marketing", 1, "blog-post", opened, true, new DateOnly(2026, 12, 1), opened.AddDays(3)), opening: false);
        await Records.RecordRequestAsync(new RequestRecord("I_2", "acme/marketing", 2, "demo", opened.AddHours(1), null, null, null), opening: false);

        Assert.Equal(
            [new RequestRecord("I_1", "acme/marketing", 1, "blog-post", opened, false, new DateOnly(2026, 12, 1), opened.AddDays(3)),
             new RequestRecord("I_2", "acme/marketing", 2, "demo", opened.AddHours(1), null, null, null)],
            await Records.ReadRequestsAsync());
    }
}

public sealed class RequestHistoryOnSqlite() : RequestHistoryContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class RequestHistoryOnPostgres(PostgresServer server) : RequestHistoryContract(new PostgresTestDatabase(server)), IUsesPostgres;

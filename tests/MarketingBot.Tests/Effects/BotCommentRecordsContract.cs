using MarketingBot.Effects;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Effects;

/// <summary>The bot's one comment per issue and marker, alike on every database.</summary>
public abstract class BotCommentRecordsContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private static readonly IssueRef Issue = new("acme", "customer", 7);

    private BotCommentRecords Records => new(Database);

    [StorageFact]
    public async Task The_last_written_text_is_known_by_issue_and_marker_until_forgotten()
    {
        await Records.SaveAsync(Issue, "<!-- a -->", 900, "first");
        await Records.SaveAsync(Issue, "<!-- a -->", 900, "second");
        await Records.SaveAsync(Issue, "<!-- b -->", 901, "other");

        await ReopenDatabaseAsync();
        Assert.Equal(new KnownComment(900, BotCommentRecords.Hash("second")), await Records.FindAsync(Issue, "<!-- a -->"));
        Assert.Equal(901, (await Records.FindAsync(Issue, "<!-- b -->"))!.CommentId);
        Assert.Null(await Records.FindAsync(Issue with { Number = 8 }, "<!-- a -->"));

        await Records.ForgetAsync(Issue, "<!-- a -->");
        Assert.Null(await Records.FindAsync(Issue, "<!-- a -->"));
    }
}

public sealed class BotCommentRecordsOnSqlite() : BotCommentRecordsContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class BotCommentRecordsOnPostgres(PostgresServer server) : BotCommentRecordsContract(new PostgresTestDatabase(server)), IUsesPostgres;

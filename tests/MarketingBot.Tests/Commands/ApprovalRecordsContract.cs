using MarketingBot.Commands;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Commands;

/// <summary>Each person's latest word on a request, alike on every database.</summary>
public abstract class ApprovalRecordsContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private ApprovalRecords Records => new(Database);

    [StorageFact]
    public async Task A_persons_latest_word_on_a_request_wins_whatever_the_case_of_their_login()
    {
        var at = Time.GetUtcNow();
        await Records.RecordApprovalAsync("I_1", new Approval("Mona", ["pmm"], true, null, CommentId: 20, at));
        await Records.RecordApprovalAsync("I_1", new Approval("mona", ["pmm"], false, "not yet", CommentId: 10, at.AddMinutes(-1)));
        await Records.RecordApprovalAsync("I_1", new Approval("hubot", ["head"], false, "budget", CommentId: 30, at.AddMinutes(1)));
        await Records.RecordApprovalAsync("I_2", new Approval("mona", ["pmm"], false, null, CommentId: 40, at));

        Assert.Equal([("Mona", true, null), ("hubot", false, "budget")], (await Records.ReadApprovalsAsync("I_1")).Select(a => (a.Login, a.Approves, a.Note)));
        Assert.Equal(["pmm"], (await Records.ReadApprovalsAsync("I_1"))[0].Roles);
    }


    [StorageFact]
    public async Task A_word_that_arrives_late_does_not_undo_a_later_one_after_a_restart()
    {
        var at = Time.GetUtcNow();
        await Records.RecordApprovalAsync("I_1", new Approval("mona", ["pmm", "head"], false, "wait", CommentId: 50, at));
        await ReopenDatabaseAsync();
        await Records.RecordApprovalAsync("I_1", new Approval("MONA", ["pmm"], true, null, CommentId: 49, at.AddMinutes(-5)));

        var kept = Assert.Single(await Records.ReadApprovalsAsync("I_1"));
        Assert.Equal(("mona", false, "wait", 50L), (kept.Login, kept.Approves, kept.Note, kept.CommentId));
        Assert.Equal(["pmm", "head"], kept.Roles);
    }
}

public sealed class ApprovalRecordsOnSqlite() : ApprovalRecordsContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class ApprovalRecordsOnPostgres(PostgresServer server) : ApprovalRecordsContract(new PostgresTestDatabase(server)), IUsesPostgres;

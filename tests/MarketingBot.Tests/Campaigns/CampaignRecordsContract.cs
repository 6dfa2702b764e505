using MarketingBot.Campaigns;
using MarketingBot.Tests.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Campaigns;

/// <summary>Campaign plans and KPIs as the bot keeps them, alike on every database.</summary>
public abstract class CampaignRecordsContract(TestDatabase testDatabase) : StorageContract(testDatabase)
{
    private CampaignRecords Records => new(Database);

    private static StageRecord Stage(int number, string key, string? due) => new("I_40", 40, "Spring launch", key, $"I_{number}", "acme/customer", number,
        $"[Spring launch] {key}", "marketing-team", ["mia", "sam"], due is null ? null : DateOnly.Parse(due), Done: false);

    [StorageFact]
    public async Task Stages_are_kept_once_each_found_by_their_issue_and_follow_it_being_closed_and_reopened()
    {
        await Records.RecordStageAsync(Stage(501, "plan", "2031-02-20"));
        await Records.RecordStageAsync(Stage(502, "launch-public", "2031-03-12"));
        await Records.RecordStageAsync(Stage(503, "leads", null));
        // Recorded again (a redelivered approval): still one, as it was.
        await Records.RecordStageAsync(Stage(501, "plan", "2031-02-20"));
        await ReopenDatabaseAsync();

        Assert.Equal(["plan", "launch-public", "leads"], (await Records.ReadStagesAsync("I_40")).Select(s => s.Stage));
        var found = await Records.FindStageAsync("I_502");
        Assert.Equal((40, "Spring launch", new DateOnly(2031, 3, 12)), (found!.BriefNumber, found.Campaign, found.Due!.Value));
        Assert.Equal(["mia", "sam"], found.Assignees);

        Assert.Equal(["plan", "launch-public"], (await Records.ReadOverdueAsync(new DateOnly(2031, 3, 13))).Select(s => s.Stage));
        await Records.MarkDoneAsync("I_501", done: true);
        await Records.MarkAtRiskToldAsync("I_502");
        Assert.Equal(["launch-public"], (await Records.ReadOverdueAsync(new DateOnly(2031, 3, 13))).Select(s => s.Stage));
        Assert.True((await Records.FindStageAsync("I_502"))!.AtRiskTold);
        Assert.Equal(["launch-public", "leads"], (await Records.ReadOpenStagesAsync()).Select(s => s.Stage));
        await Records.MarkDoneAsync("I_501", done: false);
        Assert.False((await Records.FindStageAsync("I_501"))!.Done);
    }

    [StorageFact]
    public async Task A_KPIs_target_is_kept_with_its_latest_actual_and_a_new_plan_keeps_the_actual()
    {
        await Records.RecordKpiTargetsAsync("I_40", [("MQLs", "120"), ("Sign-ups", "400")]);
        await Records.RecordKpiAsync("I_40", "MQLs", "96", "mia");
        await Records.RecordKpiAsync("I_40", "Unknown", "5", "mia");
        await Records.RecordKpiTargetsAsync("I_40", [("MQLs", "150"), ("Sign-ups", "400")]);

        Assert.Equal([new KpiRecord("MQLs", "150", "96"), new KpiRecord("Sign-ups", "400", null)], await Records.ReadKpisAsync("I_40"));
    }
}

public sealed class CampaignRecordsOnSqlite() : CampaignRecordsContract(new SqliteTestDatabase());

[Collection(PostgresCollection.Name)]
public sealed class CampaignRecordsOnPostgres(PostgresServer server) : CampaignRecordsContract(new PostgresTestDatabase(server)), IUsesPostgres;

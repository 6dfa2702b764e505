using MarketingBot.Storage;

namespace MarketingBot.Campaigns;

/// <summary>A stage of a campaign as the bot keeps it: the issue opened for it under the brief, its owner, due date and whether it is done.</summary>
/// <param name="Repository">owner/name of the stage's issue, which is the brief's repository too.</param>
public sealed record StageRecord(
    string Brief, int BriefNumber, string Campaign, string Stage, string Issue, string Repository, int Number, string Title, string? OwnerRole,
    IReadOnlyList<string> Assignees, DateOnly? Due, bool Done, bool AtRiskTold = false,
    IReadOnlyList<string>? Approvers = null, bool Approved = false, bool AfterApprovals = false)
{
    /// <summary>The roles whose <c>/approve</c> the stage needs before it is ready; empty: none.</summary>
    public IReadOnlyList<string> ApproverRoles => Approvers ?? [];

    /// <summary>The brief the stage belongs to: the same repository, its own number.</summary>
    public Effects.IssueRef BriefRef => Repository.Split('/') is [var owner, var name] ? new(owner, name, BriefNumber)
        : throw new InvalidOperationException($"'{Repository}' is not owner/name");
}

/// <summary>A KPI of a campaign's brief: its target as the brief states it and, once reported, its actual.</summary>
public sealed record KpiRecord(string Name, string Target, string? Actual);

/// <summary>Campaign plans: each brief's stages (so the brief's progress and the campaigns at risk need no GitHub read) and its KPIs' actuals.</summary>
public sealed class CampaignRecords(Database database)
{
    /// <summary>The stage is open under the brief (kept as it was when opened again; only its issue's details are refreshed).</summary>
    public Task RecordStageAsync(StageRecord stage) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = """
            INSERT INTO campaign_stages (brief, brief_number, campaign, stage, issue, repository, number, title, owner_role, assignees, due, done, approvers, after_approvals)
            VALUES (@brief, @briefNumber, @campaign, @stage, @issue, @repository, @number, @title, @owner, @assignees, @due, @done, @approvers, @after)
            ON CONFLICT (brief, stage) DO UPDATE SET issue = @issue, repository = @repository, number = @number, title = @title
            """;
        command.Set("@brief", stage.Brief);
        command.Set("@briefNumber", stage.BriefNumber);
        command.Set("@campaign", stage.Campaign);
        command.Set("@stage", stage.Stage);
        command.Set("@issue", stage.Issue);
        command.Set("@repository", stage.Repository);
        command.Set("@number", stage.Number);
        command.Set("@title", stage.Title);
        command.Set("@owner", stage.OwnerRole);
        command.Set("@assignees", string.Join(',', stage.Assignees));
        command.Set("@due", stage.Due?.ToString("yyyy-MM-dd"));
        command.Set("@done", stage.Done);
        command.Set("@approvers", string.Join(',', stage.ApproverRoles));
        command.Set("@after", stage.AfterApprovals);
        command.ExecuteNonQuery();
    });

    /// <summary>The stage whose issue this is, when it is one.</summary>
    public async Task<StageRecord?> FindStageAsync(string issueNodeId) =>
        (await ReadAsync("WHERE issue = @key", issueNodeId)).FirstOrDefault();

    /// <summary>Every stage of a brief, in the order they were planned.</summary>
    public Task<IReadOnlyList<StageRecord>> ReadStagesAsync(string brief) => ReadAsync("WHERE brief = @key", brief);

    /// <summary>Every open stage due before <paramref name="today"/>, of every campaign.</summary>
    public async Task<IReadOnlyList<StageRecord>> ReadOverdueAsync(DateOnly today) =>
        [.. (await ReadAsync("WHERE done = 0 AND due IS NOT NULL", null)).Where(s => s.Due < today)];

    /// <summary>Every stage not yet done, of every campaign.</summary>
    public Task<IReadOnlyList<StageRecord>> ReadOpenStagesAsync() => ReadAsync("WHERE done = 0", null);

    /// <summary>Every stage whose owners were once told it is at risk.</summary>
    public Task<IReadOnlyList<StageRecord>> ReadToldAsync() => ReadAsync("WHERE at_risk_told = 1", null);

    public Task MarkDoneAsync(string issueNodeId, bool done) => Update("UPDATE campaign_stages SET done = @value WHERE issue = @issue", issueNodeId, done);

    /// <summary>Every approver the stage needs has approved it (or one withdrew).</summary>
    public Task MarkApprovedAsync(string issueNodeId, bool approved) => Update("UPDATE campaign_stages SET approved = @value WHERE issue = @issue", issueNodeId, approved);

    /// <summary>The owners were told the stage is at risk: they are not mentioned for it again.</summary>
    public Task MarkAtRiskToldAsync(string issueNodeId) => Update("UPDATE campaign_stages SET at_risk_told = @value WHERE issue = @issue", issueNodeId, true);

    /// <summary>The brief's KPIs and their targets, as the plan opened; a target already kept keeps its actual.</summary>
    public Task RecordKpiTargetsAsync(string brief, IReadOnlyList<(string Name, string Target)> kpis) => database.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using var command = c.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO campaign_kpis (brief, name, target, at) VALUES (@brief, @name, @target, @now) ON CONFLICT (brief, name) DO UPDATE SET target = @target";
        command.Set("@brief", brief);
        command.Set("@name", "");
        command.Set("@target", "");
        command.Set("@now", database.Now);
        foreach (var (name, target) in kpis)
        {
            command.Parameters[1].Value = name;
            command.Parameters[2].Value = target;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    });

    /// <summary>A KPI's latest actual, as someone reported it with <c>/kpi</c>.</summary>
    public Task RecordKpiAsync(string brief, string name, string actual, string by) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE campaign_kpis SET actual = @actual, by_login = @by, at = @now WHERE brief = @brief AND name = @name";
        command.Set("@brief", brief);
        command.Set("@name", name);
        command.Set("@actual", actual);
        command.Set("@by", by);
        command.Set("@now", database.Now);
        command.ExecuteNonQuery();
    });

    /// <summary>A brief's KPIs, by name.</summary>
    public Task<IReadOnlyList<KpiRecord>> ReadKpisAsync(string brief) => database.UseAsync<IReadOnlyList<KpiRecord>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT name, target, actual FROM campaign_kpis WHERE brief = @brief ORDER BY name";
        command.Set("@brief", brief);
        return command.ReadAll(reader => new KpiRecord(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
    });

    private Task Update(string sql, string issue, bool value) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        command.Set("@issue", issue);
        command.Set("@value", value);
        command.ExecuteNonQuery();
    });

    private Task<IReadOnlyList<StageRecord>> ReadAsync(string where, string? key) => database.UseAsync<IReadOnlyList<StageRecord>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            SELECT brief, brief_number, campaign, stage, issue, repository, number, title, owner_role, assignees, due, done, at_risk_told,
                   approvers, approved, after_approvals
            FROM campaign_stages {where} ORDER BY brief, number
            """;
        if (key is not null) command.Set("@key", key);
        return command.ReadAll(reader => new StageRecord(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.GetString(5), reader.GetInt32(6), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
            reader.GetString(9).Split(',', StringSplitOptions.RemoveEmptyEntries),
            reader.IsDBNull(10) ? null : DateOnly.Parse(reader.GetString(10), System.Globalization.CultureInfo.InvariantCulture), reader.GetFlag(11), reader.GetFlag(12),
            reader.GetString(13).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetFlag(14), reader.GetFlag(15)));
    });
}

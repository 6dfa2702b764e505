using System.Text.Json;
using MarketingBot.Board;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Planner;
using Microsoft.Extensions.Options;

namespace MarketingBot.Campaigns;

/// <summary>
/// Opens a campaign's plan on GitHub: reads which stages the brief already has (by the key each stage issue carries),
/// opens the missing ones as sub-issues in one request, puts them on the Work Schedule board with their due dates,
/// and queues their Content Planner rows; then it keeps every stage in the campaign's records and shows them, with their
/// issue numbers, in the brief's comment. Approving again, a redelivery or a retry after a failure opens nothing twice.
/// </summary>
public sealed class CampaignPlanner(
    GitHubGraphQL graphQL, GitHubEffects github, WorkScheduleBoard board, CampaignRecords records, PlannerMirror planner, IOptions<PlannerSettings> plannerSettings)
{
    public async Task<int> ApplyAsync(long installationId, OpenCampaignPlan plan, CancellationToken cancellationToken)
    {
        var logins = plan.Stages.SelectMany(s => s.Assignees).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var (read, readVariables) = CampaignDocuments.Read(plan.BriefNodeId, logins);
        var found = await graphQL.QueryAsync<JsonElement>(installationId, read, readVariables, cancellationToken);
        var brief = found.GetProperty("node");
        var open = brief.GetProperty("subIssues").GetProperty("nodes").EnumerateArray().ToList();
        JsonElement? OpenFor(PlannedStage stage) =>
            open.Cast<JsonElement?>().FirstOrDefault(n => (n!.Value.GetProperty("body").GetString() ?? "").Contains(CampaignPlans.Marker(stage.Key), StringComparison.Ordinal));
        var missing = plan.Stages.Where(s => OpenFor(s) is null).ToList();
        if (missing.Count == 0)
        {
            await RecordAsync(installationId, plan, [.. plan.Stages.Select(s => (s, OpenFor(s)!.Value))], cancellationToken);
            return 0;
        }

        // A login GitHub does not know (a typo in the workflow's roles) is left out rather than failing the plan.
        var ids = logins.Select((login, i) => (login, found.TryGetProperty($"user{i}", out var user) && user.ValueKind == JsonValueKind.Object ? user.GetProperty("id").GetString() : null))
            .Where(u => u.Item2 is not null).ToDictionary(u => u.login, u => u.Item2!, StringComparer.OrdinalIgnoreCase);
        var (create, createVariables) = CampaignDocuments.Open(brief.GetProperty("repository").GetProperty("id").GetString()!, plan.BriefNodeId,
            [.. missing.Select(s => (s.Title, s.Body, (IReadOnlyList<string>)[.. s.Assignees.Where(ids.ContainsKey).Select(a => ids[a])]))]);
        var created = await graphQL.MutateAsync<JsonElement>(installationId, create, createVariables, cancellationToken);
        var issues = missing.Select((stage, i) => (Stage: stage, Issue: created.GetProperty($"stage{i}").GetProperty("issue"))).ToList();

        if (plan.Board is { } layout)
            await board.AddCardsAsync(installationId, plan.Brief.Owner, layout,
                [.. issues.Select(c => (c.Issue.GetProperty("id").GetString()!, c.Stage.Due))], cancellationToken);
        if (plannerSettings.Value.IsConfigured)
            foreach (var (stage, issue) in issues)
            {
                var url = issue.GetProperty("url").GetString()!;
                await planner.EnqueueAsync(new PlannerRow(url, new Dictionary<string, string>
                {
                    ["Issue"] = $"#{issue.GetProperty("number").GetInt32()}", ["Title"] = stage.Title, ["Type"] = "Campaign stage",
                    ["Assignees"] = string.Join(", ", stage.Assignees), ["Publish date"] = stage.Due?.ToString("yyyy-MM-dd") ?? "",
                    ["Status"] = "Planned", ["URL"] = url,
                }), plan.PlannerColumns, firstWrite: true);
            }
        await RecordAsync(installationId, plan, [.. plan.Stages.Select(s => (s, OpenFor(s) ?? issues.First(c => c.Stage == s).Issue))], cancellationToken);
        return missing.Count;
    }

    /// <summary>Keeps every stage with its issue, and shows them, numbered, in the brief's comment.</summary>
    private async Task RecordAsync(long installationId, OpenCampaignPlan plan, IReadOnlyList<(PlannedStage Stage, JsonElement Issue)> stages, CancellationToken cancellationToken)
    {
        foreach (var (stage, issue) in stages)
            await records.RecordStageAsync(new StageRecord(plan.BriefNodeId, plan.Brief.Number, plan.Campaign, stage.Key, issue.GetProperty("id").GetString()!,
                $"{plan.Brief.Owner}/{plan.Brief.Repository}", issue.GetProperty("number").GetInt32(), stage.Title, stage.OwnerRole, stage.Assignees, stage.Due,
                Done: issue.TryGetProperty("state", out var state) && state.GetString() == "CLOSED", Approvers: stage.Approvers, AfterApprovals: stage.AfterApprovals));
        var kept = await records.ReadStagesAsync(plan.BriefNodeId);
        await github.ApplyAsync(installationId,
            [CampaignProgress.OnBrief(plan.Brief, plan.Campaign, kept.Select(StageView.Of), await records.ReadKpisAsync(plan.BriefNodeId), plan.Today)], cancellationToken);
    }
}

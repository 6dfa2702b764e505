using System.Text.Json;
using MarketingBot.Board;
using MarketingBot.GitHub;
using MarketingBot.Planner;
using Microsoft.Extensions.Options;

namespace MarketingBot.Campaigns;

/// <summary>
/// Opens a campaign's plan on GitHub: reads which stages the brief already has (by the key each stage issue carries),
/// opens the missing ones as sub-issues in one request, puts them on the Work Schedule board with their due dates,
/// and queues their Content Planner rows. Approving again, a redelivery or a retry after a failure opens nothing twice.
/// </summary>
public sealed class CampaignPlanner(GitHubGraphQL graphQL, WorkScheduleBoard board, PlannerMirror planner, IOptions<PlannerSettings> plannerSettings)
{
    public async Task<int> ApplyAsync(long installationId, OpenCampaignPlan plan, CancellationToken cancellationToken)
    {
        var logins = plan.Stages.SelectMany(s => s.Assignees).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var (read, readVariables) = CampaignDocuments.Read(plan.BriefNodeId, logins);
        var found = await graphQL.QueryAsync<JsonElement>(installationId, read, readVariables, cancellationToken);
        var brief = found.GetProperty("node");
        var open = brief.GetProperty("subIssues").GetProperty("nodes").EnumerateArray()
            .Select(n => n.GetProperty("body").GetString() ?? "").ToList();
        var missing = plan.Stages.Where(s => !open.Any(body => body.Contains(CampaignPlans.Marker(s.Key), StringComparison.Ordinal))).ToList();
        if (missing.Count == 0) return 0;

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
        return missing.Count;
    }
}

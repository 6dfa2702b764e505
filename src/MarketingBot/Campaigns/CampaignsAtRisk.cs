using System.Text;
using MarketingBot.Effects;
using MarketingBot.Reminders;
using MarketingBot.Requests;
using MarketingBot.Scheduling;

namespace MarketingBot.Campaigns;

/// <summary>
/// Each weekday, one "Campaigns at risk" issue in the tracker lists every open campaign stage past its due date, updated
/// in place; the owners of a stage that has just become overdue are mentioned once, in a comment, and not again for it.
/// </summary>
public sealed class CampaignsAtRiskJob(MarketingTrackers trackers, CampaignRecords records, IEffectExecutor effects) : IScheduledJob
{
    public const string Marker = "<!-- marketingbot:campaigns-at-risk -->";

    public string Name => "campaigns-at-risk";

    public string Cron(ScheduleSettings settings) => settings.CampaignsAtRisk;

    public async Task<string> RunAsync(DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var outcomes = new List<string>();
        // Read once for every tracker; each tracker's "today" is its own team's, so the overdue ones are read per tracker.
        var told = await records.ReadToldAsync();
        foreach (var tracker in await trackers.FindAsync())
        {
            var today = RequestRules.Today(tracker.Workflow, occurrence);
            bool Ours(StageRecord stage) => stage.Repository.StartsWith($"{tracker.Owner}/", StringComparison.OrdinalIgnoreCase);
            var overdue = (await records.ReadOverdueAsync(today)).Where(Ours).ToList();
            // Nothing at risk and nothing ever was: no issue to open or clear.
            if (overdue.Count == 0 && !told.Any(Ours)) continue;
            await effects.ApplyAsync(tracker.InstallationId, [Decide(tracker.Owner, tracker.Repository, overdue, today, tracker.Workflow)], cancellationToken);
            foreach (var stage in overdue.Where(s => !s.AtRiskTold)) await records.MarkAtRiskToldAsync(stage.Issue);
            outcomes.Add($"{tracker.Place}: {overdue.Count} stages at risk");
        }
        return outcomes.Count == 0 ? "no campaign stage is at risk" : string.Join("; ", outcomes);
    }

    /// <summary>The issue's text, and a comment naming the owners of the stages newly at risk.</summary>
    public static UpsertTrackerIssue Decide(string owner, string repository, IReadOnlyList<StageRecord> overdue, DateOnly today, Workflow workflow)
    {
        var text = new StringBuilder(Marker).Append('\n');
        if (overdue.Count == 0) text.Append("✅ No campaign stage is past its due date.\n");
        else
        {
            text.Append($"Campaign stages past their due date, as of {today:yyyy-MM-dd}. Close a stage's issue when it is done, or change its due date on the board.\n\n")
                .Append("| Campaign | Stage | Owner | Due | Days late |\n|---|---|---|---|---|\n");
            foreach (var stage in overdue.OrderBy(s => s.Due).ThenBy(s => s.Number))
                text.Append($"| {Answers.Plain(stage.Campaign)} (#{stage.BriefNumber}) | #{stage.Number} | {StageView.Of(stage).Owner} | {stage.Due:yyyy-MM-dd} | {today.DayNumber - stage.Due!.Value.DayNumber} |\n");
        }
        var fresh = overdue.Where(s => !s.AtRiskTold).ToList();
        string? comment = null;
        if (fresh.Count > 0)
        {
            var people = fresh.SelectMany(s => s.Assignees.Count > 0 ? s.Assignees
                : s.OwnerRole is { } role && workflow.Roles.TryGetValue(role, out var members) ? members.Logins : []).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            comment = $"{string.Join(" ", people.Select(p => $"@{p}"))} {(people.Count > 0 ? "— " : "")}these stages are now past their due date: " +
                string.Join(", ", fresh.Select(s => $"#{s.Number}")) + ".";
        }
        return new UpsertTrackerIssue(owner, repository, Marker, "Campaigns at risk", text.ToString(), [], comment, IncludeClosed: false);
    }
}

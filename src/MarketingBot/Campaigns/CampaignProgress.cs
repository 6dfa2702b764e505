using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MarketingBot.Requests;

namespace MarketingBot.Campaigns;

/// <summary>What a command on a stage issue knows of its campaign: the stage, every stage of the campaign, and its KPIs.</summary>
public sealed record CampaignContext(StageRecord Stage, IReadOnlyList<StageRecord> Stages, IReadOnlyList<KpiRecord> Kpis);

/// <summary>Someone reported a KPI's actual with <c>/kpi</c>.</summary>
public sealed record RecordKpiActual(string Brief, string Name, string Actual, string By) : Effects.RecordEffect
{
    public override string Describe() => $"record {Name}: {Actual} (reported by {By})";

    public override Task ApplyAsync(Effects.RecordStores records, long? installationId) => records.Campaigns.RecordKpiAsync(Brief, Name, Actual, By);
}

/// <summary>Every approver a stage needs approved it, or one withdrew.</summary>
public sealed record RecordStageApproved(string Issue, string Title, bool Approved) : Effects.RecordEffect
{
    public override string Describe() => $"record that the campaign stage \"{Title}\" is {(Approved ? "approved" : "no longer approved")}";

    public override Task ApplyAsync(Effects.RecordStores records, long? installationId) => records.Campaigns.MarkApprovedAsync(Issue, Approved);
}

/// <summary>A stage's issue was closed (done) or reopened.</summary>
public sealed record RecordStageDone(string Issue, string Title, bool Done) : Effects.RecordEffect
{
    public override string Describe() => $"record that the campaign stage \"{Title}\" is {(Done ? "done" : "open again")}";

    public override Task ApplyAsync(Effects.RecordStores records, long? installationId) => records.Campaigns.MarkDoneAsync(Issue, Done);
}

/// <summary>A stage as the brief's progress shows it; <paramref name="Number"/> is its issue once opened.</summary>
public sealed record StageView(
    string Title, string? OwnerRole, IReadOnlyList<string> Assignees, DateOnly? Due, int? Number, bool Done, IReadOnlyList<string> Approvers, bool Approved, bool AfterApprovals)
{
    public static StageView Of(StageRecord stage) =>
        new(stage.Title, stage.OwnerRole, stage.Assignees, stage.Due, stage.Number, stage.Done, stage.ApproverRoles, stage.Approved, stage.AfterApprovals);

    /// <summary>A stage planned but not opened yet: no issue, not done, not approved.</summary>
    public static StageView Of(PlannedStage stage) =>
        new(stage.Title, stage.OwnerRole, stage.Assignees, stage.Due, Number: null, Done: false, stage.Approvers, Approved: false, stage.AfterApprovals);

    public string Name => Number is { } number ? $"#{number} {Answers.Plain(Title)}" : Answers.Plain(Title);

    public string Owner => $"{OwnerRole?.Replace('-', ' ') ?? "no owner"}{(Assignees.Count > 0 ? $" ({string.Join(", ", Assignees)})" : "")}";
}

/// <summary>
/// Where people look for a campaign's progress: the brief's own comment, a checklist of its stages (done, open,
/// overdue) with the next step's owner, and its KPIs, target against actual, with a chart.
/// </summary>
public static partial class CampaignProgress
{
    /// <summary>The brief's progress comment, as every change to the campaign rewrites it.</summary>
    public static Effects.UpsertBotComment OnBrief(Effects.IssueRef brief, string campaign, IEnumerable<StageView> stages, IReadOnlyList<KpiRecord> kpis, DateOnly today) =>
        new(brief, CampaignPlans.PlanMarker, Render(campaign, [.. stages], kpis, today));

    public static string Render(string campaign, IReadOnlyList<StageView> stages, IReadOnlyList<KpiRecord> kpis, DateOnly today)
    {
        var done = stages.Count(s => s.Done);
        var text = new StringBuilder(CampaignPlans.PlanMarker).Append('\n')
            .Append($"### 🗺️ {Answers.Plain(campaign)}: {done} of {stages.Count} stages done\n\n")
            .Append("The brief is approved; its plan is open as sub-issues of this issue, one per stage of the operations flow.\n\n");
        var unapproved = stages.Where(s => s.Approvers.Count > 0 && !s.Approved).ToList();
        foreach (var stage in stages)
        {
            var late = !stage.Done && stage.Due < today ? " · ⚠️ **overdue**" : "";
            var approval = stage.Approvers.Count == 0 ? "" : stage.Approved ? " · ✅ approved" : " · awaiting approval";
            var waiting = stage.AfterApprovals && !stage.Done && unapproved.Count > 0
                ? $" · ⏳ waits for {(unapproved.Count == 1 ? "a material" : $"{unapproved.Count} materials")} to be approved" : "";
            text.Append($"- [{(stage.Done ? "x" : " ")}] {stage.Name} · {stage.Owner} · {(stage.Due is { } due ? $"due {due:yyyy-MM-dd}" : "no due date")}{approval}{waiting}{late}\n");
        }
        text.Append(stages.FirstOrDefault(s => !s.Done) is { } next
            ? $"\n**Next**: {Answers.Plain(next.Title)}, owned by {next.Owner}.\n"
            : "\n**Every stage is done.**\n");
        if (kpis.Count > 0) text.Append('\n').Append(KpiTable(kpis));
        return text.Append("\n<sub>Updated as stages close and reopen, and as KPIs are reported with <code>/kpi</code> on the tracking stage.</sub>\n").ToString();
    }

    /// <summary>A stage's issue was closed (done) or reopened: the campaign's records and the brief's comment follow.</summary>
    public static Processing.Decision StageChanged(StageRecord stage, bool done, IReadOnlyList<StageRecord> stages, IReadOnlyList<KpiRecord> kpis, DateOnly today)
    {
        return new Processing.Decision($"campaign stage \"{stage.Title}\" {(done ? "done" : "open again")}",
        [
            new RecordStageDone(stage.Issue, stage.Title, done),
            OnBrief(stage.BriefRef, stage.Campaign, stages.Select(s => StageView.Of(s.Issue == stage.Issue ? s with { Done = done } : s)), kpis, today),
        ]);
    }

    /// <summary>The KPIs, target against actual, and a bar chart of each measurable one as a share of its target.</summary>
    public static string KpiTable(IReadOnlyList<KpiRecord> kpis)
    {
        var text = new StringBuilder("| KPI | Target | Actual | Of target |\n|---|---|---|---|\n");
        var measured = new List<(string Name, double Percent)>();
        foreach (var kpi in kpis)
        {
            var share = Number(kpi.Target) is { } target && target != 0 && kpi.Actual is { } actual && Number(actual) is { } value ? value / target * 100 : (double?)null;
            if (share is { } percent) measured.Add((kpi.Name, percent));
            var of = Number(kpi.Target) is null ? "not measurable" : share is { } p ? $"{p:0}%" : "—";
            text.Append($"| {Answers.Plain(kpi.Name)} | {Answers.Plain(kpi.Target)} | {Answers.Plain(kpi.Actual ?? "—")} | {of} |\n");
        }
        if (measured.Count == 0) return text.ToString();
        var top = Math.Max(100, Math.Ceiling(measured.Max(m => m.Percent) / 25) * 25);
        return text.Append("\n```mermaid\nxychart-beta\n    title \"Actual as % of target\"\n")
            .Append($"    x-axis [{string.Join(", ", measured.Select(m => $"\"{m.Name.Replace("\"", "'")}\""))}]\n")
            .Append($"    y-axis \"% of target\" 0 --> {top.ToString(CultureInfo.InvariantCulture)}\n")
            .Append($"    bar [{string.Join(", ", measured.Select(m => Math.Round(m.Percent).ToString(CultureInfo.InvariantCulture)))}]\n```\n").ToString();
    }

    /// <summary>The brief's KPIs section, read as lines of <c>name: target</c>; other lines are not KPIs.</summary>
    public static IReadOnlyList<(string Name, string Target)> ParseKpis(string? answer) =>
        [.. (answer ?? "").Split('\n').Select(l => KpiLine().Match(l.Trim())).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value.Trim(), m.Groups[2].Value.Trim())).DistinctBy(k => k.Item1, StringComparer.OrdinalIgnoreCase)];

    /// <summary>The number in a target or actual ("400", "120 MQLs", "15%", "$20,000", "1.5k"); null when there is none to compare.</summary>
    public static double? Number(string text)
    {
        var match = Figure().Match(text);
        if (!match.Success || !double.TryParse(match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return null;
        return match.Groups[2].Value.ToLowerInvariant() switch { "k" => value * 1_000, "m" => value * 1_000_000, _ => value };
    }

    [GeneratedRegex(@"^[-*•\s]*([^:]{1,60}?)\s*:\s*(.+)$")]
    private static partial Regex KpiLine();

    [GeneratedRegex(@"^\D{0,3}?(\d[\d,]*(?:\.\d+)?)\s*([kKmM]\b)?")]
    private static partial Regex Figure();
}

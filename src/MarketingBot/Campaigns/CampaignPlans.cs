using System.Text;
using System.Text.RegularExpressions;
using MarketingBot.Board;
using MarketingBot.Effects;
using MarketingBot.Requests;

namespace MarketingBot.Campaigns;

/// <summary>One stage of a campaign's plan as it will be opened: its lasting key, the issue's title and text, who owns it and when it is due.</summary>
/// <param name="Approvers">The roles whose <c>/approve</c> on the stage's issue makes it ready (the brief's rule); empty: none.</param>
/// <param name="AfterApprovals">The stage waits for the stages that need approval (a launch for its materials).</param>
public sealed record PlannedStage(
    string Key, string Title, string Body, string? OwnerRole, IReadOnlyList<string> Assignees, DateOnly? Due, IReadOnlyList<string> Approvers, bool AfterApprovals);

/// <summary>
/// The approved brief's plan is open: one sub-issue of the brief per stage, each opened once (a stage whose key a
/// sub-issue already carries is left as it is), put on the Work Schedule board with its due date.
/// </summary>
/// <param name="Today">Where the team is, when the plan was decided: stages due before it show as overdue.</param>
public sealed record OpenCampaignPlan(
    IssueRef Brief, string BriefNodeId, string Campaign, IReadOnlyList<PlannedStage> Stages, BoardLayout? Board, IReadOnlyList<string> PlannerColumns, DateOnly Today)
    : Effect
{
    public override string Describe() => $"open the plan of \"{Campaign}\" as sub-issues of {Brief}, each once: {string.Join(", ", Stages.Select(s => s.Title))}";

    public override string Text => string.Join("\n\n", Stages.Select(s => $"{s.Title}\n{s.Body}"));
}

/// <summary>The brief's KPIs and their targets, kept when its plan opens so that <c>/kpi</c> and the monthly review can set actuals against them.</summary>
public sealed record RecordKpiTargets(string Brief, IReadOnlyList<(string Name, string Target)> Kpis) : RecordEffect
{
    public override string Describe() => $"record the campaign's KPIs: {string.Join(", ", Kpis.Select(k => $"{k.Name} {k.Target}"))}";

    public override Task ApplyAsync(RecordStores records, long? installationId) => records.Campaigns.RecordKpiTargetsAsync(Brief, Kpis);
}

/// <summary>The operations flow after a brief: once it is approved, its plan, stage by stage, from the workflow's <c>stages</c>.</summary>
public static partial class CampaignPlans
{
    public static string Marker(string key) => $"<!-- marketingbot:stage {key} -->";

    public const string PlanMarker = "<!-- marketingbot:campaign-plan -->";

    /// <summary>The plan to open when this event approves a brief whose type has stages; null otherwise.</summary>
    public static IReadOnlyList<Effect> Decide(string? action, string? label, RequestIssue brief, string briefNodeId, Workflow workflow, DateOnly today)
    {
        if (action != "labeled" || !brief.IsOpen || !string.Equals(label, workflow.Labels.Approved.Name, StringComparison.OrdinalIgnoreCase)) return [];
        if (RequestTypes.Detect(workflow, brief.Title, brief.Body, brief.Labels) is not { Stages.Count: > 0 } type) return [];
        var answers = RequestBody.Parse(brief.Body, type);
        var campaign = Campaign(brief.Title, type);
        var kpis = CampaignProgress.ParseKpis(answers.GetValueOrDefault("kpis"));
        var stages = Stages(type, answers, workflow, campaign, brief.Ref, kpis).ToList();
        return
        [
            new RecordKpiTargets(briefNodeId, kpis),
            new OpenCampaignPlan(brief.Ref, briefNodeId, campaign, stages, workflow.Board, workflow.Planner.Columns, today),
            CampaignProgress.OnBrief(brief.Ref, campaign, stages.Select(StageView.Of), [.. kpis.Select(k => new KpiRecord(k.Name, k.Target, Actual: null))], today),
        ];
    }

    /// <summary>The campaign's name: the brief's title without its type prefix.</summary>
    public static string Campaign(string title, RequestType type) =>
        (type.TitlePrefix is { Length: > 0 } prefix && title.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? title[prefix.Length..] : title).Trim();

    private static IEnumerable<PlannedStage> Stages(RequestType type, IReadOnlyDictionary<string, string> answers, Workflow workflow, string campaign, IssueRef brief,
        IReadOnlyList<(string Name, string Target)> kpis)
    {
        foreach (var stage in type.Stages)
        {
            if (stage.When is { } when && !(answers.TryGetValue(when.Section, out var given) && when.OneOf.Contains(given.Trim(), StringComparer.OrdinalIgnoreCase))) continue;
            var due = DueDate(answers.GetValueOrDefault(stage.TimelineSection), stage.Due ?? stage.Title);
            var owners = stage.Owner is { } role && workflow.Roles.TryGetValue(role, out var people) ? people.Logins : [];
            IReadOnlyList<string> approvers = stage.Approval ? Commands.Approvals.Required(type, workflow, answers) : [];
            IEnumerable<(string Key, string Title)> issues = stage.PerDeliverable
                ? Answers.Items(answers.GetValueOrDefault(stage.DeliverablesSection, ""), splitOnCommas: false)
                    .Select(d => ($"{stage.Id}:{Slug(d)}", stage.Title.Replace("{deliverable}", d, StringComparison.Ordinal)))
                : [(stage.Id, stage.Title)];
            // A stage that is a request of its own (the statement of work) is titled and laid out as that type's form.
            var request = stage.Request is { } id ? workflow.RequestTypes.FirstOrDefault(t => t.Id == id) : null;
            foreach (var (key, title) in issues)
                yield return new PlannedStage(key, request?.TitlePrefix is { Length: > 0 } prefix ? $"{prefix} {campaign}" : $"[{campaign}] {title}",
                    Body(key, campaign, brief, stage, due, approvers, request, stage.Kpis ? kpis : []), stage.Owner, owners, due, approvers, stage.AfterApprovals);
        }
    }

    private static string Body(string key, string campaign, IssueRef brief, CampaignStage stage, DateOnly? due, IReadOnlyList<string> approvers,
        RequestType? request, IReadOnlyList<(string Name, string Target)> kpis)
    {
        var text = new StringBuilder(Marker(key)).Append('\n')
            .Append($"A stage of the campaign **{Answers.Plain(campaign)}**, planned from its brief (#{brief.Number}).\n\n");
        if (stage.Owner is { } owner) text.Append($"**Owner**: {owner.Replace('-', ' ')}\n");
        text.Append(due is { } date ? $"**Due**: {date:yyyy-MM-dd}\n" : "**Due**: no date yet (the brief's timeline names none for this stage)\n");
        if (approvers.Count > 0)
            text.Append($"**Approval**: ready once {string.Join(", ", approvers.Select(Commands.Approvals.Say))} {(approvers.Count == 1 ? "approves" : "have each approved")} it here with `/approve`.\n");
        if (stage.AfterApprovals) text.Append("**Starts** once the campaign's materials are approved.\n");
        if (stage.Checklist.Count > 0) text.Append('\n').AppendJoin("", stage.Checklist.Select(item => $"- [ ] {item}\n"));
        if (kpis.Count > 0)
            text.Append("\nThe brief's KPIs; report each actual here with `/kpi <name> <value>`:\n\n")
                .Append(CampaignProgress.KpiTable([.. kpis.Select(k => new KpiRecord(k.Name, k.Target, Actual: null))]));
        // The request's own form, to fill in by editing this description; the bot checks it as any request.
        if (request is not null)
            text.Append($"\n{RequestTypes.MarkerFor(request)}\n").AppendJoin("", request.Sections.Select(s => $"\n### {s.Label}\n\n_No response_\n"));
        return text.ToString();
    }

    /// <summary>The date on the timeline line that names the stage ("Launch to public: 2031-04-01", "Plan – 1 March 2031").</summary>
    private static DateOnly? DueDate(string? timeline, string name)
    {
        foreach (var line in (timeline ?? "").Split('\n'))
        {
            var parts = TimelineLine().Match(line.Trim());
            if (parts.Success && parts.Groups[1].Value.Contains(name, StringComparison.OrdinalIgnoreCase) && Answers.TryParseDate(parts.Groups[2].Value.Trim(), out var date))
                return date;
        }
        return null;
    }

    private static string Slug(string text) => SlugBreak().Replace(text.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex(@"^[-*•\s]*(.+?)\s*(?::|–|—|\s-\s)\s*(.+)$")]
    private static partial Regex TimelineLine();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex SlugBreak();
}

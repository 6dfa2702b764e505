using MarketingBot.Effects;
using MarketingBot.Planner;
using MarketingBot.Processing;

namespace MarketingBot.Requests;

/// <summary>A request issue as the rules need it, taken from the delivery that announced it.</summary>
public sealed record RequestIssue(
    IssueRef Ref,
    string Title,
    string? Body,
    string Author,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> Assignees,
    bool IsOpen,
    string Url = "",
    DateTimeOffset? Opened = null,
    DateTimeOffset? Updated = null,
    string? StateReason = null)
{
    /// <summary>What the Content Planner says of a closed request: done, or dropped.</summary>
    public string ClosedAs => StateReason == "not_planned" ? "Not planned" : "Done";

    /// <summary>The issue an <c>issues</c> or <c>issue_comment</c> delivery carries.</summary>
    public static RequestIssue From(Octokit.Webhooks.Models.Issue issue, Octokit.Webhooks.Models.Repository repository)
    {
        var owner = RequestCheckHandler.OwnerOf(repository);
        return new RequestIssue(
            new IssueRef(owner, repository.Name, (int)issue.Number),
            issue.Title ?? "",
            issue.Body,
            issue.User?.Login ?? "",
            issue.Labels?.Select(l => l.Name).ToList() ?? [],
            issue.Assignees?.Select(a => a.Login).ToList() ?? [],
            IsOpen: issue.State?.StringValue != "closed",
            Url: issue.HtmlUrl ?? "",
            Opened: issue.CreatedAt,
            Updated: issue.UpdatedAt,
            StateReason: issue.StateReason?.ToString());
    }
}

/// <summary>
/// Drives a request issue to its desired state: the type label, <c>needs-info</c> exactly while
/// there are errors, the one bot comment, and the type's assignees on a request no one has taken.
/// Returns only the difference from what the issue already has.
/// </summary>
public static class RequestRules
{
    /// <param name="boardStatus">The card's column on the Work Schedule board, when it has one; the planner row shows it.</param>
    /// <param name="approvals">Each person's latest word on the request; the comment and the planner row show who approved.</param>
    public static Decision Decide(RequestIssue issue, Workflow workflow, DateOnly today, string? boardStatus = null, IReadOnlyList<Commands.Approval>? approvals = null)
    {
        var type = RequestTypes.Detect(workflow, issue.Title, issue.Body, issue.Labels);
        if (type is null) return Decision.Nothing("not a marketing request");
        var check = RequestValidator.Check(type, issue.Body, today);
        if (!issue.IsOpen)
        {
            // Nothing more to ask of a closed request; its row says how it ended.
            var final = Commands.Approvals.Evaluate(type, workflow, check.Answers, approvals ?? []);
            return issue.Url.Length == 0
                ? Decision.Nothing($"{type.Name.ToLowerInvariant()} is closed; not checked")
                : new Decision($"{type.Name.ToLowerInvariant()} is closed ({issue.ClosedAs}); not checked",
                    [new MirrorToPlanner(PlannerRowFor(issue, check, workflow, issue.ClosedAs, final), workflow.Planner.Columns)]);
        }

        var has = issue.Labels.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var effects = new List<Effect>();

        var wanted = new List<LabelDefinition> { type.Label };
        if (!check.IsComplete) wanted.Add(workflow.Labels.NeedsInfo);
        var missing = wanted.Where(l => !has.Contains(l.Name)).Select(l => new Label(l.Name, l.Color, l.Description)).ToList();
        if (missing.Count > 0) effects.Add(new AddLabels(issue.Ref, missing));
        if (check.IsComplete && has.Contains(workflow.Labels.NeedsInfo.Name)) effects.Add(new RemoveLabel(issue.Ref, workflow.Labels.NeedsInfo.Name));

        var approval = Commands.Approvals.Evaluate(type, workflow, check.Answers, approvals ?? []);
        // A request the bot opened itself (a campaign's statement of work) is for its assignee to fill in, not for the bot.
        var requester = issue.Author.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase) && issue.Assignees.Count > 0 ? issue.Assignees[0] : issue.Author;
        effects.Add(new UpsertBotComment(issue.Ref, RequestComment.Marker, RequestComment.Render(check, requester, approval)));

        if (issue.Url.Length > 0) effects.Add(new MirrorToPlanner(PlannerRowFor(issue, check, workflow, boardStatus, approval), workflow.Planner.Columns));

        if (issue.Assignees.Count == 0 && type.AssignRole is { } role && workflow.Roles.TryGetValue(role, out var people) && people.Logins.Count > 0)
            effects.Add(new AssignUsers(issue.Ref, people.Logins));

        var errors = check.Errors.Count();
        var outcome = check.IsComplete
            ? $"{type.Name.ToLowerInvariant()} is complete"
            : $"{type.Name.ToLowerInvariant()} has {errors} problem{(errors == 1 ? "" : "s")}";
        return new Decision(outcome, effects);
    }

    /// <summary>A request deleted or transferred away: its row stays (people's notes are beside it) and its Status says what happened.</summary>
    public static Decision Gone(RequestIssue issue, Workflow workflow, DateOnly today, string status, IReadOnlyList<Commands.Approval> approvals)
    {
        if (RequestTypes.Detect(workflow, issue.Title, issue.Body, issue.Labels) is not { } type || issue.Url.Length == 0)
            return Decision.Nothing($"issue {status.ToLowerInvariant()}");
        var check = RequestValidator.Check(type, issue.Body, today);
        return new Decision($"{type.Name.ToLowerInvariant()} {status.ToLowerInvariant()}",
            [new MirrorToPlanner(PlannerRowFor(issue, check, workflow, status, Commands.Approvals.Evaluate(type, workflow, check.Answers, approvals)), workflow.Planner.Columns)]);
    }

    /// <summary>The request as the Content Planner shows it.</summary>
    private static PlannerRow PlannerRowFor(RequestIssue issue, RequestCheck check, Workflow workflow, string? boardStatus, Commands.ApprovalState approval)
    {
        var answers = check.Answers;
        string Answer(string id) => answers.TryGetValue(id, out var value) ? value : "";
        var publish = Answer("publish-date");
        var status = boardStatus
            ?? (issue.Labels.Contains(workflow.Labels.Approved.Name, StringComparer.OrdinalIgnoreCase) ? "Approved"
            : check.IsComplete ? "Ready for review" : "Needs info");
        return new PlannerRow(issue.Url, new Dictionary<string, string>
        {
            ["Issue"] = $"#{issue.Ref.Number}",
            ["Title"] = issue.Title,
            ["Type"] = check.Type.Name,
            ["Requester"] = issue.Author,
            ["Assignees"] = string.Join(", ", issue.Assignees),
            ["Channels"] = answers.ContainsKey("channels") ? string.Join(", ", Answers.Items(Answer("channels"), splitOnCommas: true)) : "",
            ["Publish date"] = Answers.TryParseDate(publish, out var date) ? date.ToString("yyyy-MM-dd") : publish,
            ["Status"] = status,
            ["Approved by"] = string.Join(", ", approval.Approvers),
            ["Opened"] = issue.Opened?.ToString("yyyy-MM-dd HH:mm") ?? "",
            ["Updated"] = issue.Updated?.ToString("yyyy-MM-dd HH:mm") ?? "",
            ["URL"] = issue.Url,
        });
    }

    /// <summary>Today where the team works: a date due "today" in Amsterdam is not yet past in UTC's evening.</summary>
    public static DateOnly Today(Workflow workflow, DateTimeOffset now) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, workflow.Zone).DateTime);
}

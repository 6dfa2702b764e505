using MarketingBot.Board;
using MarketingBot.Effects;
using MarketingBot.Processing;
using MarketingBot.Commands;
using MarketingBot.Planner;
using Octokit.Webhooks.Events;

namespace MarketingBot.Requests;

/// <summary>
/// A request opened, edited, reopened, (un)labelled or closed: check it, bring comment, labels,
/// assignees and planner row in line, and move its card on the Work Schedule board.
/// </summary>
public sealed class RequestCheckHandler(
    WorkflowSource workflows, CardRecords cards, ApprovalRecords approvals, Campaigns.CampaignRecords campaigns, TimeProvider time) : IDeliveryHandler
{
    public async Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Payload is not IssuesEvent { Issue: { } issue, Repository: { } repository }) return Decision.Nothing("no issue in the payload");
        var request = RequestIssue.From(issue, repository);
        var workflow = await workflows.ForRepositoryAsync(delivery.InstallationId, request.Ref.Owner, repository.Name);
        var today = RequestRules.Today(workflow, time.GetUtcNow());
        // A campaign stage closed or reopened: its brief shows the campaign's progress.
        var progress = delivery.Action is "closed" or "reopened" && await campaigns.FindStageAsync(issue.NodeId) is { } stage
            ? Campaigns.CampaignProgress.StageChanged(stage, delivery.Action == "closed", await campaigns.ReadStagesAsync(stage.Brief), await campaigns.ReadKpisAsync(stage.Brief), today)
            : null;
        var label = delivery.Payload switch
        {
            Octokit.Webhooks.Events.Issues.IssuesLabeledEvent labeled => labeled.Label?.Name,
            Octokit.Webhooks.Events.Issues.IssuesUnlabeledEvent unlabeled => unlabeled.Label?.Name,
            _ => null,
        };
        var board = BoardRules.Decide(delivery.Action, request, issue.NodeId, issue.StateReason?.ToString(), label, workflow);
        // The row shows the column this event puts the card in, not the one it leaves.
        var column = board.OfType<PlaceOnBoard>().FirstOrDefault() is { } placed ? placed.Column : (await cards.FindCardAsync(issue.NodeId))?.Status;
        var decision = delivery.Action switch
        {
            // The issue is gone from this repository: its row stays (people's notes are beside it) and says what happened.
            "deleted" => RequestRules.Gone(request, workflow, today, "Deleted", await approvals.ReadApprovalsAsync(issue.NodeId)),
            "transferred" => RequestRules.Gone(request, workflow, today, "Transferred", await approvals.ReadApprovalsAsync(issue.NodeId)),
            // A label a bot changed (the bot's own type and needs-info labels come back as events) changes nothing to
            // re-check; the approval label moves the card, and the row follows it.
            "labeled" or "unlabeled" when ((IssuesEvent)delivery.Payload).Sender?.Type?.StringValue == "Bot" => board.Count == 0
                ? Decision.Nothing("label changed by a bot; nothing to re-check")
                : RequestRules.Decide(request, workflow, today, column, await approvals.ReadApprovalsAsync(issue.NodeId)) is var moved
                    ? new Decision("label changed by a bot; the row follows the card", [.. moved.Effects.OfType<MirrorToPlanner>()]) : moved,
            _ => RequestRules.Decide(request, workflow, today, column, await approvals.ReadApprovalsAsync(issue.NodeId)),
        };
        var plan = Campaigns.CampaignPlans.Decide(delivery.Action, label, request, issue.NodeId, workflow, today);
        var completedAt = issue.StateReason?.ToString() == "completed" ? issue.ClosedAt : null;
        var record = RequestRecords.Decide(delivery.Action, request, issue.NodeId, completedAt, workflow, time.GetUtcNow());
        // A request opened just now has no row on the sheet yet (its URL is new), so the planner may append it unread.
        var effects = delivery.Action == "opened" ? decision.Effects.Select(e => e is MirrorToPlanner m ? m with { FirstWrite = true } : e) : decision.Effects;
        // A stage that is no request (most are) has only its progress to say; one that is (the statement of work) says both.
        if (progress is not null)
        {
            decision = decision.Effects.Count == 0 ? progress : decision with { Outcome = $"{decision.Outcome}; {progress.Outcome}" };
            effects = [.. effects, .. progress.Effects];
        }
        return decision with { Effects = [.. effects, .. board, .. plan, .. (record is null ? Array.Empty<Effect>() : [record])] };
    }

    /// <summary>The repository's owner login; older payloads name it only in the full name.</summary>
    internal static string OwnerOf(Octokit.Webhooks.Models.Repository repository) =>
        repository.Owner?.Login ?? repository.FullName.Split('/')[0];
}

/// <summary>A push to the default branch that touches the workflow file makes the bot read it again.</summary>
public sealed class WorkflowChangeHandler(WorkflowSource workflows) : IDeliveryHandler
{
    public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Payload is not PushEvent { Repository: { } repository } push) return Task.FromResult(Decision.Nothing("no push in the payload"));
        if (push.Ref != $"refs/heads/{repository.DefaultBranch}") return Task.FromResult(Decision.Nothing("push to another branch"));
        var touched = (push.Commits ?? []).Any(c => new[] { c.Added, c.Modified, c.Removed }
            .Any(paths => paths?.Contains(WorkflowSource.RepositoryPath) == true));
        if (!touched) return Task.FromResult(Decision.Nothing("workflow file unchanged"));
        workflows.Forget(RequestCheckHandler.OwnerOf(repository), repository.Name);
        return Task.FromResult(Decision.Nothing($"{WorkflowSource.RepositoryPath} changed; it is read again at the next request"));
    }
}

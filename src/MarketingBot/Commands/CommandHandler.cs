using MarketingBot.Board;
using MarketingBot.Configuration;
using MarketingBot.Processing;
using MarketingBot.Requests;
using MarketingBot.Storage;
using Octokit.Webhooks.Events;

namespace MarketingBot.Commands;

/// <summary>
/// A new issue comment: the slash commands in it, obeyed for the people whose roles allow them.
/// Only new comments count — editing an old comment must not approve anything — and comments by
/// bots, this App included, are never commands, so no bot can loop with another.
/// </summary>
public sealed class CommandHandler(
    WorkflowSource workflows, RoleMembership roles, ApprovalRecords approvals, CardRecords cards, Campaigns.CampaignRecords campaigns, WorkScheduleBoard board,
    DryRunMode dryRun, CommandReplies replies, TimeProvider time) : IDeliveryHandler
{
    public async Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Action != "created") return Decision.Nothing($"comment {delivery.Action}: only new comments are commands, so this changes nothing");
        if (delivery.Payload is not IssueCommentEvent { Comment: { } comment, Issue: { } issue, Repository: { } repository } payload)
            return Decision.Nothing("no comment in the payload");
        if (IsBot(payload.Sender) || IsBot(comment.User)) return Decision.Nothing("comment by a bot; bots' comments are never commands");
        var commands = CommandParser.Parse(comment.Body);
        if (commands.Count == 0) return Decision.Nothing("no command in the comment");

        var request = RequestIssue.From(issue, repository);
        var workflow = await workflows.ForRepositoryAsync(delivery.InstallationId, request.Ref.Owner, repository.Name);
        var type = issue.PullRequest is null ? RequestTypes.Detect(workflow, request.Title, request.Body, request.Labels) : null;
        if (type is null && commands.All(c => !CommandCatalog.IsKnown(c.Name))) return Decision.Nothing("no command for MarketingBot on an issue that is not a request");

        var sender = payload.Sender?.Login ?? comment.User.Login;
        var columns = type is not null && workflow.Board is { } layout && !dryRun.IsOn && delivery.InstallationId is { } installation
            && commands.Any(c => c.Name == "status")
            ? (await board.FindBoardAsync(installation, request.Ref.Owner, layout, cancellationToken))?.Columns
            : null;
        var context = new CommandContext(
            request, type, workflow, issue.NodeId, comment.Id, sender,
            await roles.RolesOfAsync(delivery.InstallationId, request.Ref.Owner, sender, workflow),
            await approvals.ReadApprovalsAsync(issue.NodeId),
            (await cards.FindCardAsync(issue.NodeId))?.Status,
            columns,
            time.GetUtcNow(),
            type is null ? await CampaignOfAsync(issue.NodeId) : null);
        return replies.Pace(CommandRules.Decide(commands, context), delivery.InstallationId, sender);
    }

    /// <summary>The campaign an issue is a stage of, for <c>/kpi</c> and a material's <c>/approve</c>; null for any other issue.</summary>
    private async Task<Campaigns.CampaignContext?> CampaignOfAsync(string issueNodeId) =>
        await campaigns.FindStageAsync(issueNodeId) is { } stage
            ? new Campaigns.CampaignContext(stage, await campaigns.ReadStagesAsync(stage.Brief), await campaigns.ReadKpisAsync(stage.Brief))
            : null;

    private static bool IsBot(Octokit.Webhooks.Models.User? user) =>
        user is not null && (user.Type?.StringValue == "Bot" || user.Login.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase));
}

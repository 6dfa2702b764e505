using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Processing;
using MarketingBot.Requests;
using MarketingBot.Commands;
using Octokit.Webhooks.Events;

namespace MarketingBot.Board;

/// <summary>
/// A person moved a request's card on the Work Schedule board (<c>projects_v2_item.edited</c>):
/// the move joins the Status history, the Content Planner row shows the new column, and moving a
/// card into the approved column (or back to No Status) sets (or clears) the approved label.
/// The bot's own moves arrive here too and are not echoed back.
/// </summary>
public sealed class CardMovedHandler(
    GitHubGraphQL graphQL, WorkflowSource workflows, ApprovalRecords approvals, Microsoft.Extensions.Options.IOptions<Configuration.GitHubSettings> gitHub, TimeProvider time)
    : IDeliveryHandler
{
    public async Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Payload is not ProjectsV2ItemEvent { ProjectsV2Item: { } item } moved) return Decision.Nothing("no project item in the payload");
        if (item.ContentType?.StringValue != "Issue") return Decision.Nothing($"a {item.ContentType?.StringValue ?? "card"} is not a request");
        if (moved.Sender?.Type?.StringValue == "Bot") return Decision.Nothing("the bot's own change; not echoed back");
        if (delivery.InstallationId is not { } installation) return Decision.Nothing("no installation to read the card with");
        // The event names the card, not what it shows: only GitHub can say which request it is and where it now stands.
        if (!gitHub.Value.HasAppCredentials)
            return Decision.Nothing($"{moved.Sender?.Login} moved a card; reading it needs the GitHub App's credentials, which this run has not (replay, or dry run without them)");

        var card = (await graphQL.QueryAsync<CardData>(installation, BoardDocuments.Card, new { item = item.NodeId }, cancellationToken)).Node;
        if (card?.Content is not { Id: not null } issue) return Decision.Nothing("the card shows nothing the App can read");
        var owner = issue.Repository.Owner.Login;
        var workflow = await workflows.ForRepositoryAsync(installation, owner, issue.Repository.Name);
        if (workflow.Board is not { } board) return Decision.Nothing("this repository's workflow has no board");

        var status = card.FieldValues?.Nodes?.FirstOrDefault(v => string.Equals(v?.Field?.Name, board.StatusField, StringComparison.OrdinalIgnoreCase))?.Name;
        var request = new RequestIssue(new IssueRef(owner, issue.Repository.Name, issue.Number), issue.Title, issue.Body, issue.Author?.Login ?? "",
            issue.Labels?.Nodes?.Select(l => l!.Name).ToList() ?? [], issue.Assignees?.Nodes?.Select(a => a!.Login).ToList() ?? [],
            IsOpen: issue.State == "OPEN", Url: issue.Url, Opened: issue.CreatedAt, Updated: issue.UpdatedAt, StateReason: issue.StateReason?.ToLowerInvariant());
        if (RequestTypes.Detect(workflow, request.Title, request.Body, request.Labels) is null) return Decision.Nothing("not a marketing request");

        var effects = new List<Effect> { new RecordCardMove(new BoardCard(issue.Id, card.Project.Id, card.Id, status, card.IsArchived), moved.Sender?.Login ?? "someone") };
        var approved = workflow.Labels.Approved;
        var hasApproval = request.Labels.Contains(approved.Name, StringComparer.OrdinalIgnoreCase);
        // On a closed request a card move is the person's bookkeeping; its labels stay as the request was closed.
        if (request.IsOpen && status == board.Approved && !hasApproval)
        {
            effects.Add(new AddLabels(request.Ref, [new Label(approved.Name, approved.Color, approved.Description)]));
            request = request with { Labels = [.. request.Labels, approved.Name] };
        }
        else if (request.IsOpen && status is null && hasApproval)
        {
            effects.Add(new RemoveLabel(request.Ref, approved.Name));
            // The row is built from the labels as this move leaves them: the label event that follows is the bot's own and changes nothing.
            request = request with { Labels = request.Labels.Where(l => !string.Equals(l, approved.Name, StringComparison.OrdinalIgnoreCase)).ToList() };
        }
        var decision = RequestRules.Decide(request, workflow, RequestRules.Today(workflow, time.GetUtcNow()), status, await approvals.ReadApprovalsAsync(issue.Id));
        effects.AddRange(decision.Effects.OfType<Planner.MirrorToPlanner>());
        return new Decision($"{moved.Sender?.Login} moved {request.Ref} to {status ?? BoardCard.NoStatus}", effects);
    }

    private sealed record CardData(Card? Node);

    private sealed record Card(string Id, bool IsArchived, Project Project, Connection<FieldValue>? FieldValues, Content? Content);

    private sealed record Project(string Id);

    private sealed record Connection<T>(List<T?>? Nodes);

    private sealed record FieldValue(string? Name, FieldName? Field);

    private sealed record FieldName(string? Name);

    private sealed record Content(
        string? Id, int Number, string Title, string? Body, string Url, string State, string? StateReason, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
        Account? Author, Connection<LabelName>? Labels, Connection<Account>? Assignees, Repository Repository);

    private sealed record Account(string Login);

    private sealed record LabelName(string Name);

    private sealed record Repository(string Name, Account Owner);
}

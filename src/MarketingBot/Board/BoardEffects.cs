using MarketingBot.Effects;
using MarketingBot.Requests;

namespace MarketingBot.Board;

/// <summary>A change to a request's card on the Work Schedule board, applied through GraphQL by <see cref="WorkScheduleBoard"/>.</summary>
public abstract record BoardEffect(IssueRef Issue, string ContentNodeId, BoardLayout Board) : Effect;

/// <summary>The request's card is on the Work Schedule board in <paramref name="Column"/>, or with no Status when it is null.</summary>
/// <param name="By">Who the Status history names for the move: the person whose <c>/status</c> asked for it, else the bot.</param>
/// <param name="Fields">The card's own fields written with the Status, in the same request (a new request's type and publish date).</param>
public sealed record PlaceOnBoard(IssueRef Issue, string ContentNodeId, BoardLayout Board, string? Column, string? By = null,
    IReadOnlyDictionary<string, string>? Fields = null) : BoardEffect(Issue, ContentNodeId, Board)
{
    public override string Describe() =>
        $"put {Issue} on the {Board.Title} board, {(Column is null ? "No Status" : $"Status {Column}")}{(Fields is { Count: > 0 } ? $"; {SetCardFields.List(Fields)}" : "")}";
}

/// <summary>The card's own fields (request type, publish date) hold these values, where the project has such fields.</summary>
public sealed record SetCardFields(IssueRef Issue, string ContentNodeId, BoardLayout Board, IReadOnlyDictionary<string, string> Values)
    : BoardEffect(Issue, ContentNodeId, Board)
{
    public override string Describe() => $"set {List(Values)} on {Issue}'s card";

    internal static string List(IReadOnlyDictionary<string, string> values) => string.Join(", ", values.Select(v => $"{v.Key}: {v.Value}"));
}

/// <summary>The request's card is archived (closed as not planned).</summary>
public sealed record ArchiveOnBoard(IssueRef Issue, string ContentNodeId, BoardLayout Board) : BoardEffect(Issue, ContentNodeId, Board)
{
    public override string Describe() => $"archive {Issue} on the {Board.Title} board";
}

/// <summary>The card of a deleted or transferred issue leaves the board (the issue it showed is gone from this repository).</summary>
public sealed record RemoveFromBoard(IssueRef Issue, string ContentNodeId, BoardLayout Board) : BoardEffect(Issue, ContentNodeId, Board)
{
    public override string Describe() => $"remove {Issue} from the {Board.Title} board";
}

/// <summary>A person moved a card: the bot's Status history remembers it (GitHub keeps none).</summary>
public sealed record RecordCardMove(BoardCard Card, string MovedBy) : RecordEffect
{
    public override string Describe() => $"record that {MovedBy} moved {Card.ContentNodeId} to {Card.Column}";

    public override Task ApplyAsync(RecordStores records, long? installationId) => records.Cards.RecordCardAsync(installationId, Card, MovedBy);
}

/// <summary>Where a request's card belongs as the request moves: the handbook's board rules.</summary>
public static class BoardRules
{
    /// <param name="action">The <c>issues</c> action that arrived.</param>
    /// <param name="stateReason">For a closed issue: <c>completed</c> or <c>not_planned</c>.</param>
    /// <param name="label">For <c>labeled</c> and <c>unlabeled</c>: the label that changed.</param>
    public static IReadOnlyList<Effect> Decide(string? action, RequestIssue issue, string contentNodeId, string? stateReason, string? label, Workflow workflow)
    {
        if (workflow.Board is not { } board || RequestTypes.Detect(workflow, issue.Title, issue.Body, issue.Labels) is not { } type) return [];
        return action switch
        {
            // New and reopened requests wait in No Status until the PMM triages them; a reopened request that keeps its
            // approval goes back to the team's queue.
            "opened" or "reopened" => [new PlaceOnBoard(issue.Ref, contentNodeId, board, Column: action == "reopened" && IsApproved(issue, workflow) ? board.Approved : null,
                Fields: Fields(issue, board, type))],
            "edited" when issue.IsOpen => [new SetCardFields(issue.Ref, contentNodeId, board, Fields(issue, board, type))],
            "deleted" or "transferred" => [new RemoveFromBoard(issue.Ref, contentNodeId, board)],
            "closed" when stateReason == "not_planned" => [new ArchiveOnBoard(issue.Ref, contentNodeId, board)],
            "closed" => [new PlaceOnBoard(issue.Ref, contentNodeId, board, board.Done)],
            // Approval (the approved label) moves the card into the team's queue; withdrawing it sends it back to triage.
            "labeled" when IsApproval(label, workflow) && issue.IsOpen => [new PlaceOnBoard(issue.Ref, contentNodeId, board, board.Approved)],
            "unlabeled" when IsApproval(label, workflow) && issue.IsOpen => [new PlaceOnBoard(issue.Ref, contentNodeId, board, Column: null)],
            _ => [],
        };
    }

    /// <summary>The request type, and the publish date when the request gives a readable one.</summary>
    private static Dictionary<string, string> Fields(RequestIssue issue, BoardLayout board, RequestType type)
    {
        var values = new Dictionary<string, string> { [board.TypeField] = type.BoardOptionName };
        if (RequestBody.Parse(issue.Body, type).TryGetValue("publish-date", out var answer) && Answers.TryParseDate(answer, out var date))
            values[board.PublishDateField] = date.ToString("yyyy-MM-dd");
        return values;
    }

    private static bool IsApproved(RequestIssue issue, Workflow workflow) => issue.Labels.Any(l => IsApproval(l, workflow));

    private static bool IsApproval(string? label, Workflow workflow) =>
        string.Equals(label, workflow.Labels.Approved.Name, StringComparison.OrdinalIgnoreCase);
}

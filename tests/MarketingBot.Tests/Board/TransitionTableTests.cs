using System.Text.Json.Nodes;
using MarketingBot.Tests.Commands;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace MarketingBot.Tests.Board;

/// <summary>
/// Every transition a request goes through, through the whole app: from each state a request can be in, each event
/// that can happen to it, and what the Work Schedule card, the approved label and the Content Planner row are after.
/// GitHub's side is a world the test keeps: the issue's labels follow what the bot wrote, and each delivery carries them.
/// </summary>
public sealed class TransitionTableTests : LiveBotTest
{
    /// <summary>
    /// state | event | card after | approved label after | row's Status after. The card: a column, "No Status",
    /// "archived" or "removed". Pairs that cannot happen (reopening an open request, approving twice) are left out.
    /// </summary>
    private const string Table = """
        needs info       | edited                 | No Status   | no  | Needs info
        needs info       | approved label added   | Todo        | yes | Todo
        needs info       | closed as completed    | Done        | no  | Done
        needs info       | closed as not planned  | archived    | no  | Not planned
        needs info       | card dragged to Todo   | Todo        | yes | Todo
        needs info       | card dragged to In Progress | In Progress | no | In Progress
        needs info       | deleted                | removed     | no  | Deleted
        needs info       | transferred            | removed     | no  | Transferred
        ready for review | edited                 | No Status   | no  | Ready for review
        ready for review | approved label added   | Todo        | yes | Todo
        ready for review | closed as completed    | Done        | no  | Done
        ready for review | closed as not planned  | archived    | no  | Not planned
        ready for review | card dragged to Todo   | Todo        | yes | Todo
        ready for review | card dragged to In Progress | In Progress | no | In Progress
        ready for review | deleted                | removed     | no  | Deleted
        ready for review | transferred            | removed     | no  | Transferred
        approved         | edited                 | Todo        | yes | Todo
        approved         | approved label removed | No Status   | no  | Ready for review
        approved         | closed as completed    | Done        | yes | Done
        approved         | closed as not planned  | archived    | yes | Not planned
        approved         | card dragged to No Status | No Status | no | Ready for review
        approved         | card dragged to In Progress | In Progress | yes | In Progress
        approved         | deleted                | removed     | yes | Deleted
        approved         | transferred            | removed     | yes | Transferred
        done             | edited                 | Done        | yes | Done
        done             | approved label removed | Done        | no  | Done
        done             | reopened               | Todo        | yes | Todo
        done             | card dragged to No Status | No Status | yes | Done
        done             | deleted                | removed     | yes | Deleted
        done             | transferred            | removed     | yes | Transferred
        not planned      | edited                 | archived    | no  | Not planned
        not planned      | approved label added   | archived    | yes | Not planned
        not planned      | reopened               | No Status   | no  | Ready for review
        not planned      | deleted                | removed     | no  | Deleted
        not planned      | transferred            | removed     | no  | Transferred
        """;

    private const string TypeLabel = "request: social-post";
    private const string Approved = "approved";

    public static TheoryData<string, string> Transitions()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Rows()) data.Add(row.State, row.Event);
        return data;
    }

    private static IEnumerable<(string State, string Event, string Card, bool Approved, string Row)> Rows() =>
        Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .Select(cells => (cells[0], cells[1], cells[2], cells[3] == "yes", cells[4]));

    // The issue as GitHub has it.
    private readonly HashSet<string> _labels = new(StringComparer.OrdinalIgnoreCase);
    private string _body = CommandRulesTests.CompleteSocialPost;
    private string? _closedAs;
    private int _step;
    private int _seenRequests;

    [Theory]
    [MemberData(nameof(Transitions))]
    public async Task The_card_the_approved_label_and_the_row_follow_the_request(string state, string @event)
    {
        var expected = Rows().Single(r => r.State == state && r.Event == @event);
        await ReachAsync(state);
        await HappenAsync(@event);

        var item = Live.Projects.ItemFor(LiveBot.NodeId);
        var card = item switch
        {
            null => "removed",
            { Archived: true } => "archived",
            { Status: null } => "No Status",
            { Status: { } status } => status,
        };
        var row = await RowStatusAsync();
        Assert.Equal((expected.Card, expected.Approved, expected.Row), (card, _labels.Contains(Approved), row));
    }

    private async Task ReachAsync(string state)
    {
        switch (state)
        {
            case "needs info":
                _body = LiveBot.ShortRequestBody;
                await IssueEventAsync("opened");
                break;
            case "ready for review":
                await IssueEventAsync("opened");
                break;
            case "approved":
                await ReachAsync("ready for review");
                await HappenAsync("approved label added");
                break;
            case "done":
                await ReachAsync("approved");
                await HappenAsync("closed as completed");
                break;
            case "not planned":
                await ReachAsync("ready for review");
                await HappenAsync("closed as not planned");
                break;
            default:
                throw new ArgumentException($"no such state: {state}");
        }
    }

    private async Task HappenAsync(string @event)
    {
        switch (@event)
        {
            case "edited":
                _body = _body.Replace("### What should we share?\n\n", "### What should we share?\n\n(Edited) ", StringComparison.Ordinal);
                await IssueEventAsync("edited");
                break;
            case "approved label added":
                _labels.Add(Approved);
                await IssueEventAsync("labeled", label: Approved);
                break;
            case "approved label removed":
                _labels.Remove(Approved);
                await IssueEventAsync("unlabeled", label: Approved);
                break;
            case "closed as completed":
                _closedAs = "completed";
                await IssueEventAsync("closed");
                break;
            case "closed as not planned":
                _closedAs = "not_planned";
                await IssueEventAsync("closed");
                break;
            case "reopened":
                _closedAs = null;
                await IssueEventAsync("reopened");
                break;
            case "deleted" or "transferred":
                await IssueEventAsync(@event);
                break;
            case var drag when drag.StartsWith("card dragged to ", StringComparison.Ordinal):
                var column = drag["card dragged to ".Length..];
                await PersonMovesCardAsync(column == "No Status" ? null : column);
                break;
            default:
                throw new ArgumentException($"no such event: {@event}");
        }
    }

    private async Task IssueEventAsync(string action, string? label = null)
    {
        var payload = JsonNode.Parse(Payloads.IssueEvent(action, LiveBot.Number, LiveBot.NodeId, FakeGitHub.InstallationId,
            title: "[Social post] Release 2.5", body: _body, labels: [.. _labels.Prepend(TypeLabel).Distinct()],
            state: _closedAs is null ? "open" : "closed", stateReason: _closedAs))!;
        if (label is not null) payload["label"] = new JsonObject { ["id"] = 5, ["name"] = label, ["color"] = "0e8a16" };
        await DeliverAsync("issues", System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()));
    }

    /// <summary>Someone drags #7's card: the fake board changes, then GitHub sends projects_v2_item.edited.</summary>
    private async Task PersonMovesCardAsync(string? column)
    {
        Live.CardShowsRequest(_body, [.. _labels.Prepend(TypeLabel).Distinct()], _closedAs?.ToUpperInvariant());
        Live.Projects.Move(LiveBot.NodeId, column);
        await DeliverAsync("projects_v2_item", Payloads.CardStatusChanged());
    }

    /// <summary>Delivers, waits until processed, and brings the world's labels in line with what the bot wrote to GitHub.</summary>
    private async Task DeliverAsync(string eventName, byte[] payload)
    {
        var guid = $"step-{++_step}";
        var response = await Live.Bot.PostAsync(eventName, guid, payload);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync(guid), a => Assert.Null(a.Error));
        var sent = Live.GitHub.All.Skip(_seenRequests).ToList();
        _seenRequests += sent.Count;
        foreach (var request in sent.Where(r => r.Path == $"/repos/{LiveBot.Repository}/issues/{LiveBot.Number}/labels" && r.Method == "POST"))
            foreach (var name in JsonNode.Parse(request.Body!)!.AsArray()) _labels.Add(name!.GetValue<string>());
        foreach (var request in sent.Where(r => r.Method == "DELETE" && r.Path.StartsWith($"/repos/{LiveBot.Repository}/issues/{LiveBot.Number}/labels/", StringComparison.Ordinal)))
            _labels.Remove(Uri.UnescapeDataString(request.Path[(request.Path.LastIndexOf('/') + 1)..]));
    }

    /// <summary>The Status of #7's row once every waiting row is on the sheet.</summary>
    private async Task<string> RowStatusAsync()
    {
        var mirror = Live.Bot.Services.GetRequiredService<MarketingBot.Planner.PlannerMirror>();
        Assert.True(await Eventually.UntilAsync(() => mirror.State.Waiting == 0 && mirror.State.LastError is null), mirror.State.LastError);
        var url = $"https://github.com/{LiveBot.Repository}/issues/{LiveBot.Number}";
        var status = Live.Google.Grid[0].IndexOf("Status");
        return Assert.Single(Live.Google.Grid, r => r.Contains(url))[status];
    }
}

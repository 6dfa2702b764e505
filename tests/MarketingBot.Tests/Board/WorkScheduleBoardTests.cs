using MarketingBot.Board;
using MarketingBot.GitHub;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Board;

/// <summary>The board rules through the whole app, with WireMock as GitHub's GraphQL API.</summary>
public sealed class WorkScheduleBoardTests : LiveBotTest
{
    private const string Body = LiveBot.ShortRequestBody;

    private IEnumerable<string> GraphQLOperations =>
        Live.GitHub.Requests("/graphql", "POST").Select(r => System.Text.RegularExpressions.Regex.Match(r.Body!, @"(?:query|mutation) (\w+)").Groups[1].Value);

    [Fact]
    public async Task An_opened_request_is_added_with_No_Status_even_when_the_project_set_one()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        Assert.Equal(("PVTI_I_7", null, false), Live.Projects.ItemFor(LiveBot.NodeId));
        Assert.Equal(["BoardByTitle", "AddItem", "SetFields"], GraphQLOperations);
    }

    [Fact]
    public async Task Closed_as_completed_goes_to_Done_closed_as_not_planned_is_archived_and_reopened_returns_to_No_Status()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        await Live.DeliverAsync("closed", "c-1", Body, labels: ["request: social-post"], state: "closed", stateReason: "completed");
        Assert.Equal("Done", Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);

        await Live.DeliverAsync("reopened", "r-1", Body, labels: ["request: social-post"]);
        Assert.Equal((null, false), (Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status, Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Archived));

        await Live.DeliverAsync("closed", "c-2", Body, labels: ["request: social-post"], state: "closed", stateReason: "not_planned");
        Assert.True(Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Archived);
    }

    [Fact]
    public async Task A_request_reopened_after_not_planned_is_unarchived_and_back_in_No_Status_and_its_edits_while_archived_change_nothing()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        await Live.DeliverAsync("closed", "c-1", Body, labels: ["request: social-post"], state: "closed", stateReason: "not_planned");
        Assert.True(Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Archived);
        // GitHub refuses every change to an archived card; an edit of the closed request must not try one.
        await Live.DeliverAsync("edited", "e-1", Body + "\n\n### Campaign\n\nQ4", labels: ["request: social-post"], state: "closed", stateReason: "not_planned");

        await Live.DeliverAsync("reopened", "r-1", Body, labels: ["request: social-post"]);

        Assert.Equal((null, false), (Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status, Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Archived));
        Assert.Equal(["No Status", "Archived", "No Status"], (await Live.Bot.Records<CardRecords>().ReadStatusHistoryAsync(LiveBot.NodeId)).Select(h => h.Column));
    }

    [Fact]
    public async Task Approval_moves_the_card_to_Todo_and_withdrawing_it_returns_the_card_to_No_Status()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        await Live.Bot.PostAsync("issues", "approve", Labelled("labeled", "approved"));
        await Live.Bot.DrainAsync();
        Assert.Equal("Todo", Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);

        await Live.Bot.PostAsync("issues", "other-label", Labelled("labeled", "urgent"));
        await Live.Bot.DrainAsync();
        Assert.Equal("Todo", Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);

        await Live.Bot.PostAsync("issues", "unapprove", Labelled("unlabeled", "approved"));
        await Live.Bot.DrainAsync();
        Assert.Null(Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);
    }

    private static byte[] Labelled(string action, string label)
    {
        var payload = System.Text.Json.Nodes.JsonNode.Parse(Payloads.IssueEvent(action, LiveBot.Number, LiveBot.NodeId, FakeGitHub.InstallationId,
            title: "[Social post] Release 2.5", body: Body, labels: action == "labeled" ? ["request: social-post", label] : ["request: social-post"]))!;
        payload["label"] = new System.Text.Json.Nodes.JsonObject { ["id"] = 5, ["name"] = label, ["color"] = "0e8a16" };
        return System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    [Fact]
    public async Task The_projects_item_added_workflow_is_reported_in_readiness()
    {
        Live.Projects.ItemAddedWorkflowEnabled = true;
        await Live.DeliverAsync("opened", "o-1", Body);

        Assert.Null(Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);
        var ready = await Live.Bot.CreateClient().GetAsync("/readyz");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("Item added to project", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Board_details_are_looked_up_again_after_a_few_minutes_so_a_fixed_board_clears_its_problem()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var github = new FakeGitHub(time);
        github.IssuesTokens(time.GetUtcNow());
        var projects = new FakeProjects(github.Server) { ItemAddedWorkflowEnabled = true };
        using var folder = new TempFolder();
        await using var database = MarketingBot.Storage.Database.OpenSqlite($"Data Source={folder.File("bot.db")}", time);
        var board = new WorkScheduleBoard(github.GraphQL, new CardRecords(database), time, Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkScheduleBoard>.Instance);
        var layout = MarketingBot.Requests.WorkflowFile.Default.Board!;

        await board.FindBoardAsync(FakeGitHub.InstallationId, "acme", layout, CancellationToken.None);
        Assert.Contains(board.Problems.Values, p => p.Contains("Item added to project"));

        // The team turns the built-in workflow off: noticed once the details are a few minutes old, without a restart.
        projects.ItemAddedWorkflowEnabled = false;
        time.Advance(WorkScheduleBoard.RefreshAfter - TimeSpan.FromSeconds(1));
        await board.FindBoardAsync(FakeGitHub.InstallationId, "acme", layout, CancellationToken.None);
        Assert.NotEmpty(board.Problems);
        time.Advance(TimeSpan.FromSeconds(2));
        await board.FindBoardAsync(FakeGitHub.InstallationId, "acme", layout, CancellationToken.None);
        Assert.Empty(board.Problems);
    }

    [Fact]
    public async Task A_projects_v2_event_makes_the_bot_look_the_board_up_again_at_the_next_change()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        Live.Projects.ItemAddedWorkflowEnabled = true;
        var response = await Live.Bot.PostAsync("projects_v2", "project-edited", System.Text.Encoding.UTF8.GetBytes($$$"""
            {"action":"edited","projects_v2":{"id":1,"node_id":"{{{FakeProjects.ProjectId}}}","title":"Marketing Department Work Schedule","number":1,"public":false,
              "closed":false,"owner":{"login":"acme","id":9,"type":"Organization"},"creator":{"login":"pmm","id":77,"type":"User"},
              "created_at":"2026-11-02T09:30:00Z","updated_at":"2026-12-03T10:00:00Z","closed_at":null,"deleted_at":null,"deleted_by":null,"short_description":null},
             "organization":{"login":"acme","id":9},"sender":{"login":"pmm","id":77,"type":"User"},"installation":{"id":{{{FakeGitHub.InstallationId}}}}}
            """));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await Live.Bot.DrainAsync();
        Assert.Equal(1, Live.Projects.Lookups);

        await Live.DeliverAsync("edited", "e-1", Body + "\n\n### Campaign\n\nQ4", labels: ["request: social-post"]);
        Assert.Equal(2, Live.Projects.Lookups);
        Assert.Contains(Live.Bot.Services.GetRequiredService<WorkScheduleBoard>().Problems.Values, p => p.Contains("Item added to project", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("transferred")]
    public async Task The_card_of_a_deleted_or_transferred_issue_leaves_the_board(string action)
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        await Live.DeliverAsync(action, "gone", Body, labels: ["request: social-post"]);

        Assert.Null(Live.Projects.ItemFor(LiveBot.NodeId));
        Assert.Single(Live.Comments.All);
        Assert.Equal(["No Status", "Removed"], (await Live.Bot.Records<CardRecords>().ReadStatusHistoryAsync(LiveBot.NodeId)).Select(h => h.Column));
    }

    [Fact]
    public async Task Every_Status_change_is_recorded_with_its_time_and_repeats_are_not()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await Live.DeliverAsync("opened", "o-1", Body);
        await Live.DeliverAsync("edited", "e-1", Body + "\n\n### Campaign\n\nQ4", labels: ["request: social-post"]);
        await Live.DeliverAsync("closed", "c-1", Body, labels: ["request: social-post"], state: "closed", stateReason: "completed");
        await Live.DeliverAsync("reopened", "r-1", Body, labels: ["request: social-post"]);
        await Live.DeliverAsync("reopened", "r-2", Body, labels: ["request: social-post"]);

        var history = await Live.Bot.Records<CardRecords>().ReadStatusHistoryAsync(LiveBot.NodeId);
        Assert.Equal(["No Status", "Done", "No Status"], history.Select(h => h.Column));
        Assert.All(history, h => Assert.Equal("MarketingBot", h.MovedBy));
        Assert.All(history, h => Assert.InRange(h.At, before, DateTimeOffset.UtcNow));
    }

    /// <summary>Someone drags #7's card: the fake board changes, then GitHub sends projects_v2_item.edited.</summary>
    private async Task PersonMovesCard(string? column, string sender = "pmm", string senderType = "User", string contentType = "Issue", string[]? labels = null)
    {
        Live.CardShowsRequest(Body, labels);
        Live.Projects.Move(LiveBot.NodeId, column);
        var response = await Live.Bot.PostAsync("projects_v2_item", $"move-{Guid.NewGuid()}", Payloads.CardStatusChanged(sender, senderType, contentType));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync(), a => Assert.Null(a.Error));
    }

    [Fact]
    public async Task A_person_moving_a_card_is_recorded_and_shown_in_the_Content_Planner()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        await PersonMovesCard("In Progress");

        var history = await Live.Bot.Records<CardRecords>().ReadStatusHistoryAsync(LiveBot.NodeId);
        Assert.Equal([("No Status", "MarketingBot"), ("In Progress", "pmm")], history.Select(h => (h.Column, h.MovedBy)));
        await Eventually.UntilAsync(() => Live.Google.Grid.Count > 1 && Live.Google.Grid[1][7] == "In Progress");
        Assert.Equal("In Progress", Live.Google.Grid[1][7]);

        // A later edit keeps showing the card's column, not the validation state.
        await Live.DeliverAsync("edited", "e-1", Body + "\n\n### Campaign\n\nQ4", labels: ["request: social-post"]);
        await Task.Delay(1500);
        Assert.Equal("In Progress", Live.Google.Grid[1][7]);
    }

    [Fact]
    public async Task Moving_a_card_into_the_approved_column_sets_the_approved_label_and_back_to_No_Status_clears_it()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        await PersonMovesCard("Todo");
        Assert.Contains(Live.GitHub.Requests($"/repos/{LiveBot.Repository}/issues/{LiveBot.Number}/labels", "POST"), r => r.Body!.Contains("\"approved\""));

        await PersonMovesCard(null, labels: ["request: social-post", "approved"]);
        Assert.Single(Live.GitHub.All, r => r.Method == "DELETE" && r.Path == $"/repos/{LiveBot.Repository}/issues/{LiveBot.Number}/labels/approved");
        // The row follows the move, not the labels as they were before it: the request is no longer approved.
        Assert.True(await Eventually.UntilAsync(() => Live.Google.Grid.Count > 1 && Live.Google.Grid[1][7] != "Todo" && Live.Google.Grid[1][7] != "Approved"),
            $"the row says {Live.Google.Grid.ElementAtOrDefault(1)?.ElementAtOrDefault(7)}");
    }

    [Theory]
    [InlineData("marketingbot[bot]", "Bot", "Issue", "the bot's own change; not echoed back")]
    [InlineData("pmm", "User", "DraftIssue", "a DraftIssue is not a request")]
    public async Task The_bots_own_moves_and_draft_items_are_left_alone(string sender, string senderType, string contentType, string outcome)
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        await PersonMovesCard("Done", sender, senderType, contentType);

        var last = (await Live.Bot.Inbox.ReadAuditAsync()).Last();
        Assert.Equal(outcome, last.Outcome);
        Assert.Equal(["No Status"], (await Live.Bot.Records<CardRecords>().ReadStatusHistoryAsync(LiveBot.NodeId)).Select(h => h.Column));
    }

    [Fact]
    public async Task A_request_type_the_board_has_no_option_for_is_named_in_readyz_with_the_options_it_has()
    {
        Live.Projects.HasRequestFields = true;
        Live.Projects.RequestTypeNames.Remove("Social post");
        await Live.DeliverAsync("opened", "o-1", Body);

        Assert.False(Live.Projects.FieldValues.ContainsKey((LiveBot.NodeId, "Request type")));
        var problem = Assert.Single(Live.Bot.Services.GetRequiredService<WorkScheduleBoard>().Problems).Value;
        Assert.Contains("the Request type field has no option \"Social post\" (its options: Blog post, Demo)", problem);
        var readiness = await (await Live.Bot.CreateClient().GetAsync("/readyz")).Content.ReadAsStringAsync();
        Assert.Contains("has no option", readiness);
    }

    [Fact]
    public async Task The_request_type_and_publish_date_are_written_to_the_projects_fields_and_only_when_they_change()
    {
        Live.Projects.HasRequestFields = true;
        var dated = Body + "\n\n### Publish date\n\n1 December 2030";
        await Live.DeliverAsync("opened", "o-1", dated);
        Assert.Equal("Social post", Live.Projects.FieldValues[(LiveBot.NodeId, "Request type")]);
        Assert.Equal("2030-12-01", Live.Projects.FieldValues[(LiveBot.NodeId, "Publish date")]);

        var calls = GraphQLOperations.Count();
        await Live.DeliverAsync("edited", "e-1", dated + "\n\n### Campaign\n\nQ4", labels: ["request: social-post"]);
        Assert.Equal(calls, GraphQLOperations.Count());

        await Live.DeliverAsync("edited", "e-2", Body + "\n\n### Publish date\n\n2030-12-15", labels: ["request: social-post"]);
        Assert.Equal("2030-12-15", Live.Projects.FieldValues[(LiveBot.NodeId, "Publish date")]);
        Assert.Equal(["SetFields"], GraphQLOperations.Skip(calls));
    }

    [Fact]
    public async Task The_project_is_looked_up_once_for_a_burst_of_fifty_opened_requests()
    {
        foreach (var n in Enumerable.Range(100, 50)) _ = new FakeIssueComments(Live.GitHub.Server, LiveBot.Repository, n, "marketingbot[bot]");
        var posts = Enumerable.Range(100, 50).Select(n => Live.Bot.PostAsync("issues", $"burst-{n}",
            Payloads.IssueEvent("opened", n, $"I_{n}", FakeGitHub.InstallationId, title: $"[Social post] Item {n}", body: Body)));
        await Task.WhenAll(posts);
        await Live.Bot.DrainAsync(TimeSpan.FromSeconds(60));

        Assert.All(await Live.Bot.Inbox.ReadAuditAsync(), a => Assert.Null(a.Error));
        Assert.Equal(1, Live.Projects.Lookups);
        Assert.All(Enumerable.Range(100, 50), n => Assert.NotNull(Live.Projects.ItemFor($"I_{n}")));
    }

    [Fact]
    public async Task A_stale_option_id_is_refreshed_and_the_move_retried_once()
    {
        await Live.DeliverAsync("opened", "o-1", Body);
        Live.Projects.Options["Done"] = "opt_done_recreated";

        await Live.DeliverAsync("closed", "c-1", Body, labels: ["request: social-post"], state: "closed", stateReason: "completed");

        Assert.Equal("Done", Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);
        Assert.Equal(2, Live.Projects.Lookups);
    }

    [Fact]
    public async Task A_rate_limited_answer_with_HTTP_200_reschedules_the_delivery_after_the_reset()
    {
        var reset = DateTimeOffset.UtcNow.AddMinutes(20).ToUnixTimeSeconds();
        Live.GitHub.Server.Given(Request.Create().WithPath("/graphql").UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithHeader("x-ratelimit-remaining", "0").WithHeader("x-ratelimit-reset", reset.ToString())
                .WithBody("""{"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded for installation ID 42."}]}"""));
        var response = await Live.Bot.PostAsync("issues", "limited",
            Payloads.IssueEvent("opened", 7, LiveBot.NodeId, FakeGitHub.InstallationId, title: "[Social post] Release", body: Body));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);

        await Eventually.UntilAsync(async () => (await Live.Bot.Inbox.ReadAuditAsync("limited")).Count > 0);
        var attempt = Assert.Single(await Live.Bot.Inbox.ReadAuditAsync("limited"));
        Assert.Equal("failed, will retry", attempt.Outcome);
        Assert.Contains("rate limit", attempt.Error);
        Assert.Equal(1, (await Live.Bot.Inbox.CountAsync()).Pending);
    }

    [Theory]
    [InlineData(429, "Retry-After", "1")]
    [InlineData(403, "x-ratelimit-reset", null)]
    public async Task A_GraphQL_rate_limit_refusal_with_headers_is_waited_out_and_the_query_retried(int status, string header, string? value)
    {
        // A secondary limit names its wait in Retry-After; a primary one names the reset in x-ratelimit-reset, two whole
        // seconds after the refusal (taken when it is sent: a loaded machine may take seconds to get there).
        Live.GitHub.Server.Given(Request.Create().WithPath("/graphql").UsingPost()).InScenario("limited").WillSetStateTo("free").AtPriority(1)
            .RespondWith(Response.Create().WithCallback(_ => new WireMock.ResponseMessage
            {
                StatusCode = status,
                Headers = new Dictionary<string, WireMock.Types.WireMockList<string>>
                {
                    ["x-ratelimit-remaining"] = new("0"),
                    [header] = new(value ?? (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2).ToString()),
                },
                BodyData = new WireMock.Util.BodyData { DetectedBodyType = WireMock.Types.BodyType.String, BodyAsString = """{"message":"You have exceeded a rate limit."}""" },
            }));
        var graphQL = Live.Bot.Services.GetRequiredService<GitHubGraphQL>();

        await graphQL.QueryAsync<object>(FakeGitHub.InstallationId, BoardDocuments.ByTitle, new { owner = "acme", title = "Marketing Department Work Schedule" }, CancellationToken.None);

        var calls = Live.GitHub.Requests("/graphql", "POST");
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].DateTime - calls[0].DateTime >= TimeSpan.FromMilliseconds(900), "retried before the wait GitHub named");
    }

    [Fact]
    public async Task A_project_the_app_cannot_see_is_reported_and_the_delivery_still_completes()
    {
        Live.GitHub.Server.Given(Request.Create().WithPath("/graphql").UsingPost().WithBody(b => b!.Contains("BoardByTitle"))).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"data":{"organization":{"projectsV2":{"nodes":[]}}}}"""));
        await Live.DeliverAsync("opened", "o-1", Body);

        var problem = Assert.Single(Live.Bot.Services.GetRequiredService<WorkScheduleBoard>().Problems);
        Assert.Contains("no project titled 'Marketing Department Work Schedule' in acme", problem.Value);
        Assert.Single(Live.Comments.All);
    }

    [Fact]
    public async Task A_GraphQL_error_names_GitHubs_error_type()
    {
        Live.GitHub.Server.Given(Request.Create().WithPath("/graphql").UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"data":null,"errors":[{"type":"FORBIDDEN","message":"Resource not accessible by integration","path":["organization"]}]}"""));
        var graphQL = Live.Bot.Services.GetRequiredService<GitHubGraphQL>();
        var error = await Assert.ThrowsAsync<GitHubGraphQLException>(() =>
            graphQL.QueryAsync<object>(FakeGitHub.InstallationId, BoardDocuments.ByNumber, new { owner = "acme", number = 1 }, CancellationToken.None));
        Assert.Equal(("FORBIDDEN", "Resource not accessible by integration"), (error.Type, error.Message));
    }
}

using System.Net;
using MarketingBot.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Requests;

/// <summary>The whole app, live (App credentials set), with WireMock as GitHub.</summary>
public sealed class RequestCheckEndToEndTests : LiveBotTest
{
    private const string Repository = LiveBot.Repository;
    private const int Number = LiveBot.Number;

    private FakeGitHub _github => Live.GitHub;
    private FakeGoogle _google => Live.Google;
    private FakeIssueComments _comments => Live.Comments;
    private BotFactory _bot => Live.Bot;

    private static readonly string Incomplete = "### What should we share?\n\nFlowFuse 2.5 is out\n\n### Content type\n\nRelease post";

    private static string Complete => Incomplete + "\n\n### Channels\n\n- [X] LinkedIn\n\n### Links\n\nhttps://flowfuse.com/blog/2-5/\n\n### Call to action\n\nUpgrade today\n\n### Publish date\n\n" +
        DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd");

    private Task Deliver(string action, string guid, string body, string[]? labels = null) => Live.DeliverAsync(action, guid, body, labels);

    private IEnumerable<WireMock.IRequestMessage> Writes => _github.All.Where(r => r.Method is "POST" or "PATCH" or "DELETE" && r.Path.StartsWith("/repos"));

    [Fact]
    public async Task An_incomplete_request_gets_labels_and_one_comment_and_a_fix_flips_it_to_a_tick()
    {
        await Deliver("opened", "open-1", Incomplete);
        var comment = Assert.Single(_comments.All);
        Assert.Contains("⚠️ This social post request needs 3 more things", comment.Body);
        Assert.Contains("@requester", comment.Body);
        var added = Assert.Single(_github.Requests($"/repos/{Repository}/issues/{Number}/labels", "POST"));
        Assert.Equal("""["request: social-post","needs-info"]""", added.Body);

        await Deliver("edited", "edit-1", Complete, labels: ["request: social-post", "needs-info"]);
        comment = Assert.Single(_comments.All);
        Assert.Contains("✅ This social post request is complete", comment.Body);
        Assert.Single(_github.All, r => r.Method == "DELETE" && r.Path == $"/repos/{Repository}/issues/{Number}/labels/needs-info");
    }

    [Fact]
    public async Task A_request_lands_in_the_Content_Planner_and_its_row_follows_the_fix()
    {
        await Deliver("opened", "open-1", Incomplete);
        await WaitForPlanner(row => row[7] == "Needs info");
        await Deliver("edited", "edit-1", Complete, labels: ["request: social-post", "needs-info"]);
        var row = await WaitForPlanner(row => row[7] == "Ready for review");

        Assert.Equal("#7", row[0]);
        Assert.Equal("LinkedIn", row[5]);
        Assert.Equal($"https://github.com/{Repository}/issues/{Number}", row[11]);
        Assert.Equal(2, _google.Grid.Count);
    }

    [Fact]
    public async Task The_Assignees_column_follows_people_being_assigned_and_unassigned()
    {
        await Deliver("opened", "open-1", Complete);
        await WaitForPlanner(row => row[7] == "Ready for review");

        async Task Assign(string action, string guid, string[] assignees)
        {
            var response = await _bot.PostAsync("issues", guid, Payloads.IssueEvent(action, Number, LiveBot.NodeId, FakeGitHub.InstallationId,
                title: "[Social post] Release 2.5", body: Complete, labels: ["request: social-post"], assignees: assignees));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await _bot.DrainAsync();
            Assert.All(await _bot.Inbox.ReadAuditAsync(guid), a => Assert.Null(a.Error));
        }
        await Assign("assigned", "assign-1", ["mona", "hubot"]);
        Assert.Equal("mona, hubot", (await WaitForPlanner(row => row[4] == "mona, hubot"))[4]);
        await Assign("unassigned", "unassign-1", ["hubot"]);
        Assert.Equal("hubot", (await WaitForPlanner(row => row[4] == "hubot"))[4]);
    }

    [Fact]
    public async Task Closing_a_request_makes_its_row_say_how_it_ended()
    {
        await Deliver("opened", "open-1", Complete);
        await WaitForPlanner(row => row[7] == "Ready for review");

        await Live.DeliverAsync("closed", "close-1", Complete, labels: ["request: social-post"], state: "closed", stateReason: "not_planned");

        Assert.Equal("Not planned", (await WaitForPlanner(row => row[7] == "Not planned"))[7]);
    }

    private async Task<List<string>> WaitForPlanner(Func<List<string>, bool> done) =>
        await Eventually.UntilAsync(() => _google.Grid.Count > 1 && done(_google.Grid[1]))
            ? _google.Grid[1]
            : throw new TimeoutException("the Content Planner row did not arrive");

    [Fact]
    public async Task An_edit_that_changes_nothing_writes_nothing()
    {
        await Deliver("opened", "open-1", Complete);
        var writes = Writes.Count();
        await Deliver("edited", "edit-1", Complete, labels: ["request: social-post"]);
        Assert.Equal(writes, Writes.Count());
    }

    [Fact]
    public async Task Two_deliveries_racing_for_one_new_issue_make_one_comment()
    {
        var body = Payloads.IssueEvent("opened", Number, "I_7", FakeGitHub.InstallationId, title: "[Social post] Release 2.5", body: Incomplete);
        var edited = Payloads.IssueEvent("edited", Number, "I_7", FakeGitHub.InstallationId, title: "[Social post] Release 2.5", body: Incomplete + "\n\n### Campaign\n\nQ4");
        var answers = await Task.WhenAll(_bot.PostAsync("issues", "race-1", body), _bot.PostAsync("issues", "race-2", edited));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        await _bot.DrainAsync();

        Assert.Single(_comments.All);
        Assert.Single(_github.Requests($"/repos/{Repository}/issues/{Number}/comments", "POST"));
    }

    [Fact]
    public async Task The_bots_own_label_changes_coming_back_as_events_cost_no_GitHub_request()
    {
        await Deliver("opened", "open-1", Incomplete);
        var before = _github.All.Count;
        var payload = System.Text.Json.Nodes.JsonNode.Parse(Payloads.IssueEvent("labeled", Number, LiveBot.NodeId, FakeGitHub.InstallationId,
            title: "[Social post] Release 2.5", body: Incomplete, labels: ["request: social-post", "needs-info"]))!;
        payload["label"] = new System.Text.Json.Nodes.JsonObject { ["id"] = 3, ["name"] = "needs-info", ["color"] = "d93f0b" };
        payload["sender"] = new System.Text.Json.Nodes.JsonObject { ["login"] = "marketingbot[bot]", ["id"] = 99, ["type"] = "Bot" };

        await _bot.PostAsync("issues", "bot-label", System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()));
        await _bot.DrainAsync();

        Assert.Equal("label changed by a bot; nothing to re-check", Assert.Single(await _bot.Inbox.ReadAuditAsync("bot-label")).Outcome);
        Assert.Equal(before, _github.All.Count);
    }

    [Fact]
    public async Task A_broken_workflow_file_in_the_repository_makes_readyz_fail_with_where_it_breaks()
    {
        _github.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath($"/repos/{Repository}/contents/.github/marketingbot.yml").UsingGet())
            .AtPriority(-1).RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody($$"""{"type":"file","encoding":"base64","name":"marketingbot.yml","path":".github/marketingbot.yml","sha":"abc","size":9,"content":"{{Convert.ToBase64String("roles: [ broken"u8.ToArray())}}"}"""));
        await Deliver("opened", "open-1", Incomplete);

        var ready = await _bot.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("acme/customer:.github/marketingbot.yml, line", await ready.Content.ReadAsStringAsync());
        Assert.Single(_comments.All);
    }

    [Fact]
    public async Task A_marker_pasted_by_a_user_is_not_taken_for_the_bots_comment()
    {
        _comments.Add("mallory", "<!-- marketingbot:request-check -->\n### ✅ This social post request is complete");
        await Deliver("opened", "open-1", Incomplete);
        Assert.Equal(2, _comments.All.Count);
        Assert.Equal("mallory", _comments.All[0].Login);
        Assert.Contains("✅", _comments.All[0].Body);
        Assert.Contains("⚠️", _comments.All[1].Body);
    }

    [Fact]
    public async Task A_valid_request_opened_costs_at_most_five_GitHub_requests_once_caches_are_warm()
    {
        _ = new FakeIssueComments(_github.Server, Repository, 8, "marketingbot[bot]");
        await Deliver("opened", "warm-up", Complete);
        var before = _github.All.Count;
        await _bot.PostAsync("issues", "open-2",
            Payloads.IssueEvent("opened", 8, "I_8", FakeGitHub.InstallationId, title: "[Social post] Another", body: Complete));
        await _bot.DrainAsync();
        var spent = _github.All.Skip(before).ToList();
        Assert.True(spent.Count <= 5, string.Join("\n", spent.Select(r => $"{r.Method} {r.Path}")));
        Assert.Contains(spent, r => r.Method == "POST" && r.Path == $"/repos/{Repository}/issues/8/comments");
    }
}

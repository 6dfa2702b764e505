using System.Net;
using MarketingBot.Commands;
using MarketingBot.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Commands;

/// <summary>Slash commands through the whole app: signed issue_comment deliveries in, WireMock as GitHub.</summary>
public sealed class CommandEndToEndTests : LiveBotTest
{
    private const string Reactions = "/repos/acme/customer/issues/comments/*/reactions";
    private long _nextComment = 9000;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // The team's workflow: the default, with people in its roles; the marketing team is the GitHub team "marketing".
        Live.GitHub.HasWorkflowFile(FakeGitHub.DefaultWorkflowWith(new Dictionary<string, string>
        {
            ["product-marketing-manager"] = "pat", ["project-owner"] = "olga", ["department-head"] = "dan", ["management"] = "meg",
        }));
        var server = Live.GitHub.Server;
        server.Given(Request.Create().WithPath("/orgs/acme/teams/marketing/memberships/mia").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"url":"https://api.github.com/teams/1/memberships/mia","role":"member","state":"active"}"""));
        server.Given(Request.Create().WithPath("/orgs/acme/teams/marketing/memberships/*").UsingGet()).AtPriority(10)
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("""{"message":"Not Found"}"""));
        server.Given(Request.Create().WithPath(Reactions).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"id":1,"content":"+1"}"""));
        const string issue = """{"id":1007,"number":7,"title":"[Social post] Release 2.5","state":"open"}""";
        server.Given(Request.Create().WithPath("/repos/acme/customer/issues/7").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(issue));
        server.Given(Request.Create().WithPath("/repos/acme/customer/issues/7/assignees").UsingDelete())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(issue));
        server.Given(Request.Create().WithPath("/repos/acme/customer/issues/7/assignees").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody(issue));
    }

    /// <summary>Someone comments on #7; returns the comment's id once the delivery is processed.</summary>
    private async Task<long> Comment(string text, string by, string action = "created", string type = "User",
        string title = "[Social post] Release 2.5", string body = CommandRulesTests.CompleteSocialPost, string[]? labels = null)
    {
        var id = Interlocked.Increment(ref _nextComment);
        var response = await Live.Bot.PostAsync("issue_comment", $"comment-{id}",
            Payloads.IssueComment(action, id, text, by, type, title: title, body: body, labels: labels ?? ["request: social-post"]));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync($"comment-{id}"), a => Assert.Null(a.Error));
        return id;
    }

    private IReadOnlyList<WireMock.IRequestMessage> ReactionsTo(long comment) =>
        Live.GitHub.Requests($"/repos/acme/customer/issues/comments/{comment}/reactions", "POST");

    private string? ReplyTo(long comment) =>
        Live.Comments.All.Where(c => c.Body.Contains(CommandRules.ReplyMarker(comment))).Select(c => c.Body).SingleOrDefault();

    private string RequestComment => Live.Comments.All.Single(c => c.Body.Contains(MarketingBot.Requests.RequestComment.Marker)).Body;

    private IEnumerable<WireMock.IRequestMessage> ApprovedLabelAdded =>
        Live.GitHub.Requests("/repos/acme/customer/issues/7/labels", "POST").Where(r => r.Body!.Contains("\"approved\""));

    [Fact]
    public async Task The_PMMs_approval_gets_a_thumbs_up_the_approved_label_and_shows_in_the_request_comment()
    {
        var comment = await Comment("Thanks, this looks right.\n/approve Ready for the 2.5 launch", by: "pat");

        Assert.Contains("\"+1\"", Assert.Single(ReactionsTo(comment)).Body);
        Assert.Single(ApprovedLabelAdded);
        Assert.Contains("**Approved** by **pat** (product marketing manager).", RequestComment);
        Assert.Null(ReplyTo(comment));
        var approval = Assert.Single(await Live.Bot.Records<ApprovalRecords>().ReadApprovalsAsync(LiveBot.NodeId));
        Assert.Equal(("pat", "Ready for the 2.5 launch", comment), (approval.Login, approval.Note, approval.CommentId));
    }

    [Fact]
    public async Task A_command_from_someone_outside_its_roles_gets_a_confused_reaction_and_one_reply_saying_why()
    {
        await Live.DeliverAsync("opened", "o-1", CommandRulesTests.CompleteSocialPost);
        var comment = await Comment("/status Done", by: "rex");

        Assert.Contains("\"confused\"", Assert.Single(ReactionsTo(comment)).Body);
        Assert.Contains("@rex `/status` is for product marketing manager, marketing team; you are not one of them.", ReplyTo(comment));
        Assert.Null(Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);
    }

    [Fact]
    public async Task A_member_of_the_marketing_team_may_move_the_card_and_membership_is_looked_up_once()
    {
        await Live.DeliverAsync("opened", "o-1", CommandRulesTests.CompleteSocialPost);
        await Comment("/status in progress", by: "mia");
        await Comment("/status Todo", by: "mia");

        Assert.Equal("Todo", Live.Projects.ItemFor(LiveBot.NodeId)!.Value.Status);
        Assert.Equal([("No Status", "MarketingBot"), ("In Progress", "mia"), ("Todo", "mia")],
            (await Live.Bot.Records<MarketingBot.Board.CardRecords>().ReadStatusHistoryAsync(LiveBot.NodeId)).Select(h => (h.Column, h.MovedBy)));
        Assert.Single(Live.GitHub.Requests("/orgs/acme/teams/marketing/memberships/mia", "GET"));
    }

    [Fact]
    public async Task Commands_in_code_quotes_or_inline_code_and_edited_or_bots_comments_do_nothing()
    {
        await Comment("```\n/approve\n```", by: "pat");
        await Comment("> /approve\nquoting the handbook", by: "pat");
        await Comment("Type `/approve` when it is ready.", by: "pat");
        await Comment("/approve", by: "pat", action: "edited");
        await Comment("/approve", by: "pat", action: "deleted");
        await Comment("/approve", by: "marketingbot[bot]", type: "Bot");
        await Comment("/approve", by: "other-bot[bot]", type: "Bot");

        Assert.DoesNotContain(Live.GitHub.All, r => r.Path.EndsWith("/reactions"));
        Assert.Empty(ApprovedLabelAdded);
        Assert.Empty(await Live.Bot.Records<ApprovalRecords>().ReadApprovalsAsync(LiveBot.NodeId));
        var outcomes = (await Live.Bot.Inbox.ReadAuditAsync()).Select(a => a.Outcome).ToList();
        Assert.Contains("comment edited: only new comments are commands, so this changes nothing", outcomes);
        Assert.Contains("comment by a bot; bots' comments are never commands", outcomes);
    }

    [Fact]
    public async Task A_campaign_brief_over_the_budget_threshold_is_approved_only_when_owner_head_and_management_all_approved()
    {
        var brief = CommandRulesTests.CampaignBrief(25000);
        async Task Approve(string by) =>
            await Comment("/approve", by, title: "[Campaign] Q1 launch", body: brief, labels: ["request: campaign-brief"]);

        await Approve("olga");
        Assert.Contains("approved by **olga** (project owner); still needed: department head, management.", RequestComment);
        await Approve("dan");
        Assert.Contains("still needed: management.", RequestComment);
        Assert.Empty(ApprovedLabelAdded);
        await Approve("meg");

        Assert.Single(ApprovedLabelAdded);
        Assert.Contains("**Approved** by **olga** (project owner), **dan** (department head), **meg** (management).", RequestComment);
    }

    [Fact]
    public async Task Schedule_refuses_a_past_date_with_the_reason_and_writes_a_future_one_into_the_description()
    {
        var past = await Comment("/schedule 2020-01-01", by: "pat");
        Assert.Contains("\"confused\"", Assert.Single(ReactionsTo(past)).Body);
        Assert.Contains("2020-01-01 is in the past", ReplyTo(past));
        Assert.Empty(Live.GitHub.Requests("/repos/acme/customer/issues/7", "PATCH"));

        await Comment("/schedule 24 December 2030", by: "pat");
        var edit = Assert.Single(Live.GitHub.Requests("/repos/acme/customer/issues/7", "PATCH"));
        Assert.Contains("### Publish date\\n\\n2030-12-24", edit.Body);
    }

    [Fact]
    public async Task Assign_adds_the_people_named()
    {
        await Comment("/assign @sam @kim", by: "pat");
        var assign = Assert.Single(Live.GitHub.Requests("/repos/acme/customer/issues/7/assignees", "POST"));
        Assert.Contains("\"sam\"", assign.Body);
        Assert.Contains("\"kim\"", assign.Body);
    }

    [Fact]
    public async Task Estimate_writes_hours_to_the_cards_Estimate_field()
    {
        Live.Projects.HasRequestFields = true;
        await Live.DeliverAsync("opened", "o-1", CommandRulesTests.CompleteSocialPost);
        var comment = await Comment("/estimate 1.5d", by: "pat");

        Assert.Equal("12", Live.Projects.FieldValues[(LiveBot.NodeId, "Estimate")]);
        Assert.Contains("\"+1\"", Assert.Single(ReactionsTo(comment)).Body);
    }

    [Fact]
    public async Task A_person_flooding_commands_gets_a_few_replies_then_none_but_every_command_gets_its_reaction()
    {
        var comments = new List<long>();
        for (var i = 0; i < CommandReplies.Burst + 3; i++) comments.Add(await Comment("/help", by: "flooder"));

        Assert.Equal(CommandReplies.Burst, comments.Count(c => ReplyTo(c) is not null));
        Assert.All(comments, c => Assert.Single(ReactionsTo(c)));
        var held = await Live.Bot.Inbox.ReadAuditAsync($"comment-{comments[^1]}");
        Assert.Contains(held, a => a.Outcome.Contains("reply held back", StringComparison.Ordinal));
        // Someone else is not held back by the flood.
        Assert.NotNull(ReplyTo(await Comment("/help", by: "requester")));
    }

    [Fact]
    public async Task Help_recheck_unapprove_unassign_snooze_and_sync_each_do_their_part()
    {
        var help = await Comment("/help", by: "requester");
        Assert.Contains("`/recheck`", ReplyTo(help));
        Assert.DoesNotContain("/approve", ReplyTo(help));

        await Comment("/recheck", by: "requester");
        Assert.Contains("✅ This social post request is complete", RequestComment);

        await Comment("/approve", by: "pat");
        await Comment("/unapprove", by: "pat", labels: ["request: social-post", "approved"]);
        Assert.Single(Live.GitHub.Requests("/repos/acme/customer/issues/7/labels/approved", "DELETE"));
        Assert.False(Assert.Single(await Live.Bot.Records<ApprovalRecords>().ReadApprovalsAsync(LiveBot.NodeId)).Approves);

        var unassign = await Comment("/unassign @sam", by: "pat");
        Assert.Single(ReactionsTo(unassign));
        Assert.Empty(Live.GitHub.Requests("/repos/acme/customer/issues/7/assignees", "DELETE"));

        var snooze = await Comment("/snooze 3d", by: "requester");
        Assert.Contains("snoozed until", ReplyTo(snooze));
        Assert.InRange((await Live.Bot.Records<MarketingBot.Reminders.NagRecords>().SnoozedUntilAsync(LiveBot.NodeId))!.Value, DateTimeOffset.UtcNow.AddDays(3).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(3));

        await Eventually.UntilAsync(() => Live.Google.Grid.Count > 1);
        Live.Google.Grid[1][1] = "edited by hand";
        await Comment("/sync", by: "pat");
        Assert.True(await Eventually.UntilAsync(() => Live.Google.Grid[1][1] == "[Social post] Release 2.5"));
    }
}

using System.Net;
using System.Text.Json.Nodes;
using MarketingBot.Campaigns;
using MarketingBot.Effects;
using MarketingBot.Requests;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace MarketingBot.Tests.Campaigns;

/// <summary>A brief, once approved, opens its campaign's plan: one sub-issue per stage of the operations flow, each once.</summary>
public sealed class CampaignPlanTests : LiveBotTest
{
    public const string Brief = """
        ### Objectives

        Launch Acme Flows 3.2 to enterprise prospects and existing customers.

        ### KPIs

        Sign-ups: 400
        MQLs: 120

        ### Target segments

        Platform teams at manufacturers with 500+ staff

        ### Tactics and channels

        LinkedIn ads, webinar, customer e-mail

        ### Deliverables

        - Landing page
        - Launch video
        - Webinar deck
        - Customer e-mail
        - Case study

        ### Timeline

        - Plan development: 2031-02-20
        - Material development: 2031-03-05
        - Launch: 12 March 2031
        - Report: 2031-04-30

        ### Acceptance criteria

        Every deliverable approved by the project owner

        ### Budget

        8000

        ### Third-party support

        Needed
        """;

    private static readonly Workflow Team = WorkflowFile.Parse("""
        base: built-in
        roles:
          project-owner: { logins: [olga] }
          marketing-team: { logins: [mia, sam] }
        """, "team.yml", out _)!;

    private static RequestIssue BriefIssue(string body = Brief, bool open = true) => new(
        new IssueRef("acme", "customer", 40), "[Campaign] Spring launch", body, "agnes", ["request: campaign-brief", "approved"], [], open,
        Url: "https://github.com/acme/customer/issues/40");

    private static readonly DateOnly Today = new(2031, 2, 1);

    [Fact]
    public void Approving_a_brief_plans_every_stage_of_the_operations_flow_with_owners_and_due_dates_from_its_timeline()
    {
        var effects = CampaignPlans.Decide("labeled", "approved", BriefIssue(), "I_40", Team, Today);

        var plan = Assert.Single(effects.OfType<OpenCampaignPlan>());
        Assert.Equal("Spring launch", plan.Campaign);
        Assert.Equal(
        [
            "plan", "third-party", "statement-of-work", "material:landing-page", "material:launch-video", "material:webinar-deck", "material:customer-e-mail", "material:case-study",
            "launch-public", "launch-customers", "launch-staff", "tracking", "leads",
        ], plan.Stages.Select(s => s.Key));
        var video = plan.Stages.Single(s => s.Key == "material:launch-video");
        Assert.Equal("[Spring launch] Material development: Launch video", video.Title);
        Assert.Equal(["mia", "sam"], video.Assignees);
        Assert.Equal(new DateOnly(2031, 3, 5), video.Due);
        Assert.Equal(new DateOnly(2031, 3, 12), plan.Stages.Single(s => s.Key == "launch-public").Due);
        Assert.Null(plan.Stages.Single(s => s.Key == "third-party").Due);
        Assert.Contains("- [ ] Proposals evaluated against the requirements", plan.Stages.Single(s => s.Key == "third-party").Body, StringComparison.Ordinal);
        Assert.StartsWith(CampaignPlans.Marker("plan"), plan.Stages[0].Body, StringComparison.Ordinal);
        // The statement of work is a request of its own, laid out as its form, so the bot checks it as it is filled in.
        var sow = plan.Stages.Single(s => s.Key == "statement-of-work");
        Assert.Equal("[SOW] Spring launch", sow.Title);
        Assert.Contains("<!-- marketingbot:request vendor-sow -->", sow.Body, StringComparison.Ordinal);
        Assert.Contains("### Issues and challenges\n\n_No response_", sow.Body, StringComparison.Ordinal);
        // The tracking stage lists the KPIs to report against.
        Assert.Contains("| MQLs | 120 | — | — |", plan.Stages.Single(s => s.Key == "tracking").Body, StringComparison.Ordinal);
        // The brief's comment names every stage, its owner and due date.
        var comment = Assert.Single(effects.OfType<UpsertBotComment>());
        Assert.Contains(comment.Body.Split('\n'), l => l.StartsWith("- [ ] \\[Spring launch\\] Launch to the public · marketing team (mia, sam) · due 2031-03-12", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_approval_of_an_open_brief_plans_and_third_party_engagement_only_when_vendors_are_needed()
    {
        Assert.Empty(CampaignPlans.Decide("labeled", "urgent", BriefIssue(), "I_40", Team, Today));
        Assert.Empty(CampaignPlans.Decide("edited", null, BriefIssue(), "I_40", Team, Today));
        Assert.Empty(CampaignPlans.Decide("labeled", "approved", BriefIssue(open: false), "I_40", Team, Today));
        var social = new RequestIssue(new IssueRef("acme", "customer", 7), "[Social post] Release", "x", "a", ["request: social-post"], [], true);
        Assert.Empty(CampaignPlans.Decide("labeled", "approved", social, "I_7", Team, Today));

        var inHouse = CampaignPlans.Decide("labeled", "approved", BriefIssue(Brief.Replace("Needed", "Not needed", StringComparison.Ordinal)), "I_40", Team, Today);
        Assert.DoesNotContain(inHouse.OfType<OpenCampaignPlan>().Single().Stages, s => s.Key is "third-party" or "statement-of-work");
    }

    [GitHubSchemaFact]
    public async Task The_plans_documents_validate_against_GitHubs_schema()
    {
        Assert.Empty(await GitHubSchema.ValidateAsync(CampaignDocuments.Read("I_40", ["olga", "mia"]).Document));
        Assert.Empty(await GitHubSchema.ValidateAsync(CampaignDocuments.Open("R_1", "I_40", [("t1", "b1", ["U_1"]), ("t2", "b2", [])]).Document));
    }

    [Fact]
    public async Task An_approved_brief_with_five_deliverables_opens_its_plan_in_under_twenty_GitHub_requests_and_never_twice()
    {
        Live.Projects.HasRequestFields = true;
        _ = new FakeIssueComments(Live.GitHub.Server, LiveBot.Repository, 40, "marketingbot[bot]");
        TeamIs("project-owner: { logins: [olga, ghost] }", "marketing-team: { logins: [mia, sam] }");
        var before = Live.GitHub.Server.LogEntries.Count();
        await ApproveAsync("approve-1");
        var requests = Live.GitHub.Server.LogEntries.Count() - before;

        var stages = Live.Projects.SubIssues["I_40"];
        Assert.Equal(13, stages.Count);
        Assert.InRange(requests, 1, 20);
        Assert.Equal(["U_mia", "U_sam"], stages.Single(s => s.Title == "[Spring launch] Material development: Case study").Assignees);
        // A login GitHub does not know is left out, not a failed plan.
        Assert.Equal(["U_olga"], stages.Single(s => s.Title == "[Spring launch] Campaign and plan development").Assignees);
        // On the board with their due dates, and in the Content Planner.
        var launch = stages.Single(s => s.Title == "[Spring launch] Launch to the public");
        Assert.Equal("2031-03-12", Live.Projects.FieldValues[(launch.Id, "Publish date")]);
        Assert.True(await Eventually.UntilAsync(() => Live.Google.Grid.Any(r => r.Contains($"https://github.com/acme/customer/issues/{launch.Number}"))));

        // Approving again, or GitHub delivering the approval again, opens nothing twice.
        await ApproveAsync("approve-2");
        Assert.Equal(13, Live.Projects.SubIssues["I_40"].Count);
    }

    [Fact]
    public async Task Closing_a_stage_and_reporting_a_KPI_show_on_the_brief_and_the_tracking_stage()
    {
        TeamIs("project-owner: { logins: [olga] }", "marketing-team: { logins: [mia, sam] }");
        var brief = new FakeIssueComments(Live.GitHub.Server, LiveBot.Repository, 40, "marketingbot[bot]");
        await ApproveAsync("approve-1");
        var stages = Live.Projects.SubIssues["I_40"];
        var plan = stages.Single(s => s.Title == "[Spring launch] Campaign and plan development");
        var tracking = stages.Single(s => s.Title == "[Spring launch] Tracking and reporting");
        string Progress() => brief.All.Single(c => c.Body.Contains(CampaignPlans.PlanMarker, StringComparison.Ordinal)).Body;
        // Titles are set as plain text: GitHub shows "\[" as "[".
        Assert.Contains($"- [ ] #{plan.Number} \\[Spring launch\\] Campaign and plan development · project owner (olga) · due 2031-02-20", Progress(), StringComparison.Ordinal);
        Assert.Contains("**Next**: \\[Spring launch\\] Campaign and plan development, owned by project owner (olga).", Progress(), StringComparison.Ordinal);

        await DeliverAsync("issues", "close-plan", Payloads.IssueEvent("closed", plan.Number, plan.Id, FakeGitHub.InstallationId, title: plan.Title, body: plan.Body,
            state: "closed", stateReason: "completed"));
        Assert.Contains($"- [x] #{plan.Number} \\[Spring launch\\] Campaign and plan development", Progress(), StringComparison.Ordinal);
        Assert.Contains("1 of 13 stages done", Progress(), StringComparison.Ordinal);

        var trackingComments = new FakeIssueComments(Live.GitHub.Server, LiveBot.Repository, tracking.Number, "marketingbot[bot]");
        AcceptReactions();
        await DeliverAsync("issue_comment", "kpi-1", Payloads.IssueComment("created", 9001, "/kpi MQLs 96", "mia", number: tracking.Number, nodeId: tracking.Id,
            title: tracking.Title, body: tracking.Body));

        var reply = Assert.Single(trackingComments.All, c => c.Body.Contains("MQLs is now", StringComparison.Ordinal)).Body;
        Assert.Contains("| MQLs | 120 | 96 | 80% |", reply, StringComparison.Ordinal);
        Assert.Contains("| Sign-ups | 400 | — | — |", Progress(), StringComparison.Ordinal);
        Assert.Contains("| MQLs | 120 | 96 | 80% |", Progress(), StringComparison.Ordinal);
        Assert.Contains("xychart-beta", Progress(), StringComparison.Ordinal);
        var review = MarketingBot.Review.MonthlyReview.Render(
            MarketingBot.Review.MonthlyReview.Compute(new DateOnly(2031, 3, 1), TimeZoneInfo.Utc, new([], [], (0, 0)), "Todo", "Done"), [],
            await MarketingBot.Review.ReviewJob.LiveCampaignsAsync(Live.Bot.Services.GetRequiredService<MarketingBot.Review.ReviewSources>(), "acme"));
        Assert.Contains("### Spring launch (acme/customer#40)", review, StringComparison.Ordinal);
        Assert.Contains("| MQLs | 120 | 96 | 80% |", review, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_material_is_ready_once_the_briefs_approvers_approve_it_and_launches_wait_for_the_materials()
    {
        TeamIs("project-owner: { logins: [olga] }", "department-head: { logins: [dan] }", "marketing-team: { logins: [mia, sam] }");
        var brief = new FakeIssueComments(Live.GitHub.Server, LiveBot.Repository, 40, "marketingbot[bot]");
        await ApproveAsync("approve-1");
        var video = Live.Projects.SubIssues["I_40"].Single(s => s.Title == "[Spring launch] Material development: Launch video");
        Assert.Contains("**Approval**: ready once project owner, department head have each approved it here with `/approve`.", video.Body, StringComparison.Ordinal);
        string Progress() => brief.All.Single(c => c.Body.Contains(CampaignPlans.PlanMarker, StringComparison.Ordinal)).Body;
        Assert.Contains("Launch to the public · marketing team (mia, sam) · due 2031-03-12 · ⏳ waits for 5 materials to be approved", Progress(), StringComparison.Ordinal);

        var comments = new FakeIssueComments(Live.GitHub.Server, LiveBot.Repository, video.Number, "marketingbot[bot]");
        AcceptReactions();
        var labels = $"/repos/{LiveBot.Repository}/issues/{video.Number}/labels";
        await DeliverAsync("issue_comment", "olga-approves", Payloads.IssueComment("created", 9101, "/approve", "olga", number: video.Number, nodeId: video.Id,
            title: video.Title, body: video.Body));
        Assert.Contains("still needs department head", Assert.Single(comments.All).Body, StringComparison.Ordinal);
        Assert.Empty(Live.GitHub.Requests(labels, "POST"));

        await DeliverAsync("issue_comment", "dan-approves", Payloads.IssueComment("created", 9102, "/approve", "dan", number: video.Number, nodeId: video.Id,
            title: video.Title, body: video.Body));
        Assert.Contains("\"approved\"", Assert.Single(Live.GitHub.Requests(labels, "POST")).Body, StringComparison.Ordinal);
        Assert.Contains($"#{video.Number} \\[Spring launch\\] Material development: Launch video · marketing team (mia, sam) · due 2031-03-05 · ✅ approved", Progress(), StringComparison.Ordinal);
        Assert.Contains("⏳ waits for 4 materials to be approved", Progress(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_campaigns_at_risk_issue_lists_overdue_stages_and_mentions_their_owners_once()
    {
        StageRecord Stage(int number, string title, string due, bool told = false) => new("I_40", 40, "Spring launch", $"s{number}", $"I_s{number}", "acme/customer",
            number, title, "marketing-team", ["mia"], DateOnly.Parse(due), Done: false, AtRiskTold: told);

        var first = CampaignsAtRiskJob.Decide("acme", "marketing", [Stage(501, "[Spring launch] Launch to the public", "2031-03-12")], new DateOnly(2031, 3, 16), Team);
        Assert.Contains("| Spring launch (#40) | #501 | marketing team (mia) | 2031-03-12 | 4 |", first.Body, StringComparison.Ordinal);
        Assert.Equal("@mia — these stages are now past their due date: #501.", first.Comment);

        var later = CampaignsAtRiskJob.Decide("acme", "marketing", [Stage(501, "[Spring launch] Launch to the public", "2031-03-12", told: true)], new DateOnly(2031, 3, 17), Team);
        Assert.Null(later.Comment);
        Assert.Contains("✅ No campaign stage", CampaignsAtRiskJob.Decide("acme", "marketing", [], new DateOnly(2031, 3, 18), Team).Body, StringComparison.Ordinal);
    }

    /// <summary>The team's workflow file: the built-in workflow with these roles (<c>project-owner: { logins: [olga] }</c>).</summary>
    private void TeamIs(params string[] roles) =>
        Live.GitHub.HasWorkflowFile("base: built-in\nroles:\n" + string.Concat(roles.Select(r => $"  {r}\n")));

    private void AcceptReactions() =>
        Live.GitHub.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath($"/repos/{LiveBot.Repository}/issues/comments/*/reactions").UsingPost())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"id":1,"content":"+1"}"""));

    private async Task DeliverAsync(string eventName, string guid, byte[] payload)
    {
        var response = await Live.Bot.PostAsync(eventName, guid, payload);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync(guid), a => Assert.Null(a.Error));
    }

    private async Task ApproveAsync(string guid)
    {
        var payload = JsonNode.Parse(Payloads.IssueEvent("labeled", 40, "I_40", FakeGitHub.InstallationId, title: "[Campaign] Spring launch", body: Brief,
            labels: ["request: campaign-brief", "approved"]))!;
        payload["label"] = new JsonObject { ["id"] = 5, ["name"] = "approved", ["color"] = "0e8a16" };
        var response = await Live.Bot.PostAsync("issues", guid, System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync(guid), a => Assert.Null(a.Error));
    }
}

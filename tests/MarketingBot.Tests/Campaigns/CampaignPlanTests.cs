using System.Net;
using System.Text.Json.Nodes;
using MarketingBot.Campaigns;
using MarketingBot.Effects;
using MarketingBot.Requests;
using MarketingBot.Tests.Support;

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
            "plan", "third-party", "material:landing-page", "material:launch-video", "material:webinar-deck", "material:customer-e-mail", "material:case-study",
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
        // The brief's comment names every stage, its owner and due date.
        var comment = Assert.Single(effects.OfType<UpsertBotComment>());
        Assert.Contains(comment.Body.Split('\n'), l => l.Contains("Launch to the public", StringComparison.Ordinal) && l.EndsWith("| marketing team (mia, sam) | 2031-03-12 |", StringComparison.Ordinal));
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
        Assert.DoesNotContain(inHouse.OfType<OpenCampaignPlan>().Single().Stages, s => s.Key == "third-party");
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
        Live.GitHub.HasWorkflowFile("""
            base: built-in
            roles:
              project-owner: { logins: [olga, ghost] }
              marketing-team: { logins: [mia, sam] }
            """);
        var before = Live.GitHub.Server.LogEntries.Count();
        await ApproveAsync("approve-1");
        var requests = Live.GitHub.Server.LogEntries.Count() - before;

        var stages = Live.Projects.SubIssues["I_40"];
        Assert.Equal(12, stages.Count);
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
        Assert.Equal(12, Live.Projects.SubIssues["I_40"].Count);
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

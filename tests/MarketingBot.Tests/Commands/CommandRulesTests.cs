using MarketingBot.Board;
using MarketingBot.Commands;
using MarketingBot.Effects;
using MarketingBot.Planner;
using MarketingBot.Processing;
using MarketingBot.Requests;

namespace MarketingBot.Tests.Commands;

/// <summary>The slash-command rules with plain values: who may do what, and what each command asks for.</summary>
public sealed class CommandRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly IssueRef Issue = new("acme", "customer", 7);

    public const string CompleteSocialPost = "### What should we share?\n\nFlowFuse 2.5 is out\n\n### Content type\n\nRelease post\n\n### Channels\n\n- [X] LinkedIn\n\n" +
        "### Links\n\nhttps://flowfuse.com/blog/2-5/\n\n### Call to action\n\nUpgrade today\n\n### Publish date\n\n2030-12-01";

    public static string CampaignBrief(int budget) =>
        string.Join("\n\n", new[] { "Objectives", "KPIs", "Target segments", "Tactics and channels", "Deliverables", "Timeline", "Acceptance criteria" }
            .Select(l => $"### {l}\n\nx")) + $"\n\n### Budget\n\n{budget}";

    private static Decision Run(string comment, string sender = "pat", string[]? roles = null, string body = CompleteSocialPost,
        string title = "[Social post] Release 2.5", IReadOnlyList<Approval>? approvals = null, string[]? labels = null, string[]? assignees = null,
        IReadOnlyList<string>? columns = null)
    {
        var workflow = WorkflowFile.Default;
        var request = new RequestIssue(Issue, title, body, "requester", labels ?? [], assignees ?? [], IsOpen: true, Url: "https://github.com/acme/customer/issues/7");
        var type = RequestTypes.Detect(workflow, request.Title, request.Body, request.Labels);
        var context = new CommandContext(request, type, workflow, "I_7", 555, sender, roles ?? ["product-marketing-manager"],
            approvals ?? [], null, columns ?? ["Todo", "In Progress", "Done"], Now);
        return CommandRules.Decide(CommandParser.Parse(comment), context);
    }

    private static string Reaction(Decision decision) => decision.Effects.OfType<ReactToComment>().Single().Reaction;

    private static string? Reply(Decision decision) =>
        decision.Effects.OfType<UpsertBotComment>().SingleOrDefault(c => c.Marker == CommandRules.ReplyMarker(555))?.Body;

    [Fact]
    public void Approve_by_the_PMM_records_the_approval_adds_the_label_and_shows_it_in_the_comment()
    {
        var decision = Run("/approve Looks great");

        var approval = Assert.Single(decision.Effects.OfType<RecordApproval>()).Approval;
        Assert.Equal(("pat", true, "Looks great", 555L), (approval.Login, approval.Approves, approval.Note, approval.CommentId));
        Assert.Contains(decision.Effects.OfType<AddLabels>(), a => a.Labels.Any(l => l.Name == "approved"));
        Assert.Contains("**Approved** by **pat** (product marketing manager).", decision.Effects.OfType<UpsertBotComment>().Single(c => c.Marker == RequestComment.Marker).Body);
        Assert.Equal("pat", decision.Effects.OfType<MirrorToPlanner>().Single().Row.Values["Approved by"]);
        Assert.Equal(ReactToComment.Done, Reaction(decision));
        Assert.Null(Reply(decision));
    }

    [Fact]
    public void Approve_needs_a_complete_request()
    {
        var decision = Run("/approve", body: "### What should we share?\n\nsomething");

        Assert.Empty(decision.Effects.OfType<RecordApproval>());
        Assert.Equal(ReactToComment.Refused, Reaction(decision));
        Assert.Contains("not complete yet", Reply(decision));
    }

    [Theory]
    [InlineData("/approve", "mia", "marketing-team")]
    [InlineData("/status Done", "requester", "")]
    [InlineData("/schedule 2030-12-24", "requester", "")]
    [InlineData("/assign @sam", "requester", "")]
    [InlineData("/unassign @sam", "requester", "")]
    [InlineData("/estimate 3h", "requester", "")]
    [InlineData("/sync", "requester", "")]
    [InlineData("/snooze 2d", "stranger", "")]
    public void A_command_from_the_wrong_role_changes_nothing_and_says_who_may(string comment, string sender, string role)
    {
        var decision = Run(comment, sender, role.Length == 0 ? [] : [role]);

        Assert.Equal(ReactToComment.Refused, Reaction(decision));
        Assert.All(decision.Effects, e => Assert.True(e is ReactToComment or UpsertBotComment, $"unexpected {e.Describe()}"));
        Assert.Matches(@"`/\w+` is for .+; you are not one of them\.", Reply(decision));
    }

    [Fact]
    public void Each_command_asks_for_its_effect()
    {
        Assert.Equal("Done", Assert.Single(Run("/status done").Effects.OfType<PlaceOnBoard>()).Column);
        Assert.Null(Assert.Single(Run("/status No Status").Effects.OfType<PlaceOnBoard>()).Column);
        Assert.Equal("pat", Assert.Single(Run("/status Todo").Effects.OfType<PlaceOnBoard>()).By);
        Assert.Equal(["sam", "kim"], Assert.Single(Run("/assign @sam kim").Effects.OfType<AssignUsers>()).Logins);
        Assert.Empty(Run("/assign @sam", assignees: ["sam"]).Effects.OfType<AssignUsers>());
        Assert.Equal(["sam"], Assert.Single(Run("/unassign @sam @kim", assignees: ["sam"]).Effects.OfType<UnassignUsers>()).Logins);
        Assert.Equal("24", Assert.Single(Run("/estimate 3d").Effects.OfType<SetCardFields>()).Values["Estimate"]);
        Assert.Equal("1.5", Assert.Single(Run("/estimate 90m").Effects.OfType<SetCardFields>()).Values["Estimate"]);
        Assert.Equal(Now.AddDays(2), Assert.Single(Run("/snooze 2d", roles: ["marketing-team"]).Effects.OfType<RecordSnooze>()).Until);
        Assert.True(Assert.Single(Run("/sync").Effects.OfType<MirrorToPlanner>()).Rewrite);
        Assert.False(Assert.Single(Run("/recheck").Effects.OfType<MirrorToPlanner>()).Rewrite);
    }

    [Fact]
    public void Schedule_writes_the_publish_date_into_the_description()
    {
        var decision = Run("/schedule 24 December 2030");

        var edit = Assert.Single(decision.Effects.OfType<EditIssueBody>());
        Assert.Contains("### Publish date\n\n2030-12-24", edit.Body);
        Assert.DoesNotContain("2030-12-01", edit.Body);
        Assert.StartsWith("### What should we share?\n\nFlowFuse 2.5 is out", edit.Body);
        Assert.Equal(ReactToComment.Done, Reaction(decision));
    }

    [Fact]
    public void Schedule_with_a_past_date_is_refused_with_the_reason()
    {
        var decision = Run("/schedule 2026-11-23");

        Assert.Empty(decision.Effects.OfType<EditIssueBody>());
        Assert.Equal(ReactToComment.Refused, Reaction(decision));
        Assert.Contains("2026-11-23 is in the past (today is 2026-11-24 in UTC)", Reply(decision));
    }

    [Theory]
    [InlineData("/schedule someday", "is not a date I can read")]
    [InlineData("/status Archive", "the board has no column")]
    [InlineData("/estimate a while", "is not a duration I can read")]
    [InlineData("/assign @not_a_login!", "is not a GitHub login")]
    public void An_argument_that_does_not_fit_is_refused_with_how_to_write_it(string comment, string why)
    {
        var decision = Run(comment);
        Assert.Equal(ReactToComment.Refused, Reaction(decision));
        Assert.Contains(why, Reply(decision));
    }

    [Fact]
    public void An_unknown_command_is_answered_with_the_commands_the_sender_may_use()
    {
        var reply = Reply(Run("/frobnicate", sender: "requester", roles: []));

        Assert.Contains("`/frobnicate` is not a command I know.", reply);
        Assert.Contains("`/recheck`", reply);
        Assert.DoesNotContain("`/approve", reply);
    }

    [Fact]
    public void Help_lists_only_what_the_sender_may_use()
    {
        var requester = Reply(Run("/help", sender: "requester", roles: []))!;
        var pmm = Reply(Run("/help"))!;

        Assert.DoesNotContain("/status", requester);
        Assert.Contains("`/snooze <duration>`", Reply(Run("/help", sender: "requester", roles: [], assignees: ["requester"])));
        Assert.Contains("`/status <column>`", pmm);
        Assert.Contains("`/approve [note]`", pmm);
    }

    [Fact]
    public void The_reply_quotes_user_text_so_it_cannot_ping_or_pose_as_a_command()
    {
        var reply = Reply(Run("/schedule @everyone\n/frobnicate"))!;

        Assert.DoesNotContain("@everyone", reply, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s*/", reply);
    }

    [Fact]
    public void Each_users_latest_word_wins_and_unapprove_withdraws_the_label()
    {
        var approved = new Approval("pat", ["product-marketing-manager"], true, null, 100, Now.AddHours(-1));

        var withdrawn = Run("/unapprove", approvals: [approved], labels: ["request: social-post", "approved"]);

        Assert.False(Assert.Single(withdrawn.Effects.OfType<RecordApproval>()).Approval.Approves);
        Assert.Contains(withdrawn.Effects.OfType<RemoveLabel>(), r => r.Label == "approved");
        Assert.Contains("**Approval**: waiting for product marketing manager", withdrawn.Effects.OfType<UpsertBotComment>().First().Body);

        var again = Run("/unapprove\n/approve", approvals: [approved], labels: ["request: social-post", "approved"]);
        Assert.Empty(again.Effects.OfType<RemoveLabel>());
        Assert.True(again.Effects.OfType<RecordApproval>().Last().Approval.Approves);
    }

    [Fact]
    public void A_campaign_brief_needs_every_role_its_type_names_and_management_only_above_the_budget_threshold()
    {
        var small = CampaignBrief(5000);
        var owner = new Approval("olga", ["project-owner"], true, null, 1, Now.AddHours(-2));

        var partial = Run("/approve", sender: "dan", roles: ["department-head"], body: small, title: "[Campaign] Q1", approvals: []);
        Assert.DoesNotContain(partial.Effects.OfType<AddLabels>(), a => a.Labels.Any(l => l.Name == "approved"));
        Assert.Contains("approved by **dan** (department head); still needed: project owner.", partial.Effects.OfType<UpsertBotComment>().First().Body);

        var both = Run("/approve", sender: "dan", roles: ["department-head"], body: small, title: "[Campaign] Q1", approvals: [owner]);
        Assert.Contains(both.Effects.OfType<AddLabels>(), a => a.Labels.Any(l => l.Name == "approved"));

        var big = Run("/approve", sender: "dan", roles: ["department-head"], body: CampaignBrief(25000), title: "[Campaign] Q1", approvals: [owner]);
        Assert.DoesNotContain(big.Effects.OfType<AddLabels>(), a => a.Labels.Any(l => l.Name == "approved"));
        Assert.Contains("still needed: management.", big.Effects.OfType<UpsertBotComment>().First().Body);
    }

    [Fact]
    public void A_PMM_approving_a_brief_that_needs_other_roles_is_told_whose_approval_counts()
    {
        var decision = Run("/approve", body: CampaignBrief(100), title: "[Campaign] Q1");
        Assert.Single(decision.Effects.OfType<RecordApproval>());
        Assert.Contains("needs approval from project owner, department head", Reply(decision));
    }

    [Fact]
    public void On_an_issue_that_is_not_a_request_unknown_commands_are_not_answered()
    {
        Assert.Equal("no command for MarketingBot", Run("/shrug", title: "Fix the website footer", body: "It is broken").Outcome);
        Assert.Contains("not a marketing request", Reply(Run("/approve", title: "Fix the website footer", body: "It is broken")));
    }
}

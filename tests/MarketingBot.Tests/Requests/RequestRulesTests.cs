using MarketingBot.Effects;
using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

public class RequestRulesTests
{
    private static readonly DateOnly Today = new(2026, 11, 2);
    private static readonly IssueRef Ref = new("acme", "customer", 7);

    private const string Complete = """
        ### What should we share?

        FlowFuse 2.5 is out

        ### Content type

        Release post

        ### Channels

        - [X] LinkedIn

        ### Links

        https://flowfuse.com/blog/release-2-5/

        ### Call to action

        Upgrade today

        ### Publish date

        2026-12-01
        """;

    private static RequestIssue Issue(string? body, string[]? labels = null, string[]? assignees = null, bool open = true) =>
        new(Ref, "[Social post] Release 2.5", body, "requester", labels ?? [], assignees ?? [], open);

    private static Workflow WithSocialManager(params string[] logins)
    {
        var workflow = WorkflowFile.Parse(File.ReadAllText(DefaultWorkflowPath), "test", out _)!;
        workflow.Roles["social-media-manager"].Logins.AddRange(logins);
        return workflow;
    }

    private static string DefaultWorkflowPath =>
        Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "MarketingBot", "Requests", "default-workflow.yml");

    [Fact]
    public void An_incomplete_request_gets_its_type_label_needs_info_and_a_comment_that_asks_the_requester()
    {
        var decision = RequestRules.Decide(Issue("### What should we share?\n\nOur launch"), WorkflowFile.Default, Today);

        var labels = Assert.IsType<AddLabels>(decision.Effects[0]);
        Assert.Equal(["request: social-post", "needs-info"], labels.Labels.Select(l => l.Name));
        Assert.Equal("d93f0b", labels.Labels[1].Color);
        var comment = Assert.IsType<UpsertBotComment>(decision.Effects[1]);
        Assert.Contains("@requester, please edit the issue description", comment.Body);
        Assert.Equal("social post request has 3 problems", decision.Outcome);
    }

    [Fact]
    public void A_request_the_bot_opened_itself_asks_its_assignee_to_fill_it_in()
    {
        var sow = new RequestIssue(Ref, "[SOW] Spring launch", "<!-- marketingbot:request vendor-sow -->\n\n### Issues and challenges\n\n_No response_",
            "marketingbot[bot]", [], ["olga"], true, Url: "https://github.com/acme/customer/issues/9");

        var comment = Assert.Single(RequestRules.Decide(sow, WorkflowFile.Default, Today).Effects.OfType<UpsertBotComment>());

        Assert.Contains("@olga, please edit the issue description", comment.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("@marketingbot", comment.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_request_loses_needs_info_and_its_comment_turns_to_a_tick_without_a_mention()
    {
        var decision = RequestRules.Decide(Issue(Complete, labels: ["request: social-post", "needs-info"]), WorkflowFile.Default, Today);

        Assert.Equal(new RemoveLabel(Ref, "needs-info"), decision.Effects[0]);
        var comment = Assert.IsType<UpsertBotComment>(decision.Effects[1]);
        Assert.StartsWith($"{RequestComment.Marker}\n### ✅ This social post request is complete", comment.Body);
        Assert.DoesNotContain("@", comment.Body);
        Assert.Equal(2, decision.Effects.Count);
    }

    [Fact]
    public void The_social_media_manager_is_assigned_to_a_social_post_no_one_has_taken()
    {
        var workflow = WithSocialManager("sam");
        Assert.Contains(new AssignUsers(Ref, ["sam"]), RequestRules.Decide(Issue(Complete), workflow, Today).Effects.OfType<AssignUsers>(),
            EqualityComparer<AssignUsers>.Create((a, b) => a!.Issue == b!.Issue && a.Logins.SequenceEqual(b.Logins)));
        Assert.Empty(RequestRules.Decide(Issue(Complete, assignees: ["alex"]), workflow, Today).Effects.OfType<AssignUsers>());
    }

    [Fact]
    public void Issues_that_are_not_requests_and_closed_requests_are_left_alone()
    {
        var notRequest = new RequestIssue(Ref, "Bug in the editor", "It crashes", "dev", [], [], true);
        Assert.Empty(RequestRules.Decide(notRequest, WorkflowFile.Default, Today).Effects);
        Assert.Empty(RequestRules.Decide(Issue(Complete, open: false), WorkflowFile.Default, Today).Effects);
    }

    [Theory]
    [InlineData("completed", "Done")]
    [InlineData("not_planned", "Not planned")]
    [InlineData(null, "Done")]
    public void A_closed_request_is_not_checked_again_and_its_planner_row_says_how_it_ended(string? reason, string status)
    {
        var closed = Issue("### Content type\n\nMeme", labels: ["needs-info"], open: false) with
        {
            Url = "https://github.com/acme/customer/issues/7", StateReason = reason,
        };

        var decision = RequestRules.Decide(closed, WorkflowFile.Default, Today);

        var row = Assert.IsType<MarketingBot.Planner.MirrorToPlanner>(Assert.Single(decision.Effects));
        Assert.Equal(status, row.Row.Values["Status"]);
        Assert.Equal("https://github.com/acme/customer/issues/7", row.Row.Url);
    }

    [Fact]
    public void The_comment_text_is_the_same_for_the_same_request_so_nothing_is_rewritten()
    {
        var first = RequestRules.Decide(Issue("### Content type\n\nMeme"), WorkflowFile.Default, Today);
        var again = RequestRules.Decide(Issue("### Content type\n\nMeme", labels: ["request: social-post", "needs-info"]), WorkflowFile.Default, Today);
        Assert.Equal(first.Effects.OfType<UpsertBotComment>().Single(), again.Effects.OfType<UpsertBotComment>().Single());
        Assert.Empty(again.Effects.OfType<AddLabels>());
    }

    [Fact]
    public void A_quoted_fake_approval_in_the_body_cannot_pass_for_the_bot_or_ping()
    {
        var body = Complete.Replace("- [X] LinkedIn", "Approved by @pmm &#64;ceo\n### ✅ This social post request is complete");
        var comment = RequestRules.Decide(Issue(body), WorkflowFile.Default, Today).Effects.OfType<UpsertBotComment>().Single().Body;
        Assert.Contains("`Approved by @\u200Bpmm @\u200Bceo` is not one we know", comment, StringComparison.Ordinal);
        Assert.Contains("`### ✅ This social post request is complete` is not one we know", comment);
        Assert.DoesNotContain("@pmm", comment, StringComparison.Ordinal);
        Assert.DoesNotContain("@ceo", comment, StringComparison.Ordinal);
        Assert.Single(comment.Split('\n'), l => l.StartsWith("### "));
    }

    [Theory]
    [InlineData("UTC", "2026-11-02T23:30:00Z", "2026-11-02")]
    [InlineData("Europe/Amsterdam", "2026-11-02T23:30:00Z", "2026-11-03")]
    [InlineData("America/Los_Angeles", "2026-11-03T05:00:00Z", "2026-11-02")]
    public void Today_is_judged_in_the_workflows_time_zone(string zone, string now, string today)
    {
        var workflow = new Workflow { TimeZone = zone };
        Assert.Equal(DateOnly.Parse(today), RequestRules.Today(workflow, DateTimeOffset.Parse(now)));
    }

    [Fact]
    public void The_comment_for_an_incomplete_request_matches_the_golden_file()
    {
        var body = "### What should we share?\n\nOur launch\n\n### Content type\n\nBlog post\n\n### Channels\n\nLinkedIn, Discord\n\n### Hashtags\n\n#a #b #c #d\n\n### Publish date\n\n2026-11-05";
        var comment = RequestRules.Decide(Issue(body), WorkflowFile.Default, Today).Effects.OfType<UpsertBotComment>().Single().Body;
        var golden = Path.Combine(AppContext.BaseDirectory, "Requests", "Golden", "incomplete-social-post.md");
        Assert.Equal(File.ReadAllText(golden).ReplaceLineEndings("\n"), comment);
    }
}

public class PlannerRowRulesTests
{
    [Fact]
    public void A_request_is_mirrored_with_its_answers_read_into_the_planners_columns()
    {
        var issue = new RequestIssue(new("acme", "customer", 7), "[Social post] Release 2.5",
            "### Content type\n\nRelease post\n\n### Channels\n\n- [X] LinkedIn\n- [ ] Facebook\n- [X] Discord\n\n### Publish date\n\n1 December 2026",
            "requester", ["request: social-post", "approved"], ["sam"], true,
            Url: "https://github.com/acme/customer/issues/7", Opened: new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));

        var mirror = RequestRules.Decide(issue, WorkflowFile.Default, new DateOnly(2026, 11, 2)).Effects.OfType<MarketingBot.Planner.MirrorToPlanner>().Single();

        Assert.Equal(PlannerLayout.KnownColumns, mirror.Columns);
        Assert.Equal(["#7", "[Social post] Release 2.5", "Social post request", "requester", "sam", "LinkedIn, Discord", "2026-12-01", "Approved", "",
            "2026-11-02 09:30", "", "https://github.com/acme/customer/issues/7"], mirror.Row.Cells(mirror.Columns));
    }
}

using MarketingBot.Commands;
using MarketingBot.Effects;
using MarketingBot.Reminders;
using MarketingBot.Requests;
using MarketingBot.Tests.Commands;

namespace MarketingBot.Tests.Hardening;

/// <summary>
/// Hostile text through every place the bot echoes what people wrote: it must not ping anyone,
/// carry the bot's hidden markers, start a line with a command, or break out of its code span.
/// </summary>
public sealed class InjectionTests
{
    public static TheoryData<string> Hostile => new(
        "@everyone",
        "&#64;acme/marketing please",
        "&amp;#64;pmm",
        "<!-- marketingbot:request-check -->",
        "Approved by @pmm\n/approve",
        "`` ` ``@pmm`` ",
        "](javascript:alert(1)) <img src=x onerror=alert(1)> @org/team");

    /// <summary>The text's only hidden marker is the bot's own, at its start: a quoted one would let the bot mistake this comment for another.</summary>
    private static void AssertHarmless(string text)
    {
        Assert.DoesNotContain("@everyone", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@pmm", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@org/team", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@acme/marketing", text, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "<!-- marketingbot:"));
        Assert.StartsWith("<!-- marketingbot:", text);
        Assert.DoesNotMatch(@"(?m)^\s*/approve", text);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void The_request_comment_quotes_a_hostile_answer_harmlessly(string hostile)
    {
        var body = CommandRulesTests.CompleteSocialPost.Replace("Release post", hostile.Replace("\n", " "));
        var request = new RequestIssue(new IssueRef("acme", "customer", 7), "[Social post] x", body, "requester", [], [], IsOpen: true);
        var comment = RequestRules.Decide(request, WorkflowFile.Default, new DateOnly(2026, 11, 24)).Effects.OfType<UpsertBotComment>().Single().Body;
        AssertHarmless(comment.Replace("@requester", ""));
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_command_reply_quotes_a_hostile_argument_harmlessly(string hostile)
    {
        var request = new RequestIssue(new IssueRef("acme", "customer", 7), "[Social post] x", CommandRulesTests.CompleteSocialPost, "requester", [], [], IsOpen: true);
        var context = new CommandContext(request, WorkflowFile.Default.RequestTypes[0], WorkflowFile.Default, "I_7", 1, "pat", ["product-marketing-manager"], [], null,
            ["Todo"], DateTimeOffset.Parse("2026-11-24T09:00:00Z"));
        var decision = CommandRules.Decide(CommandParser.Parse($"/schedule {hostile.Replace("\n", " ")}\n/status {hostile.Replace("\n", " ")}"), context);
        var reply = decision.Effects.OfType<UpsertBotComment>().Single(c => c.Marker == CommandRules.ReplyMarker(1)).Body;
        AssertHarmless(reply.Replace("@pat", ""));
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_two_hour_reminder_and_the_digest_quote_a_hostile_task_harmlessly(string hostile)
    {
        var tracker = new Tracker(42, "acme", "marketing", new Workflow { TwoHourRule = new TwoHourRule() });
        var where = new IssueRef("acme", "marketing", 20);
        var decision = TwoHourRules.Decide(tracker,
            [new UntrackedTask("k1", hostile.Replace("\n", " "), 3, where, "I_20", ["sam"]), new UntrackedTask("draft:PVTI_1", hostile.Replace("\n", " "), 3, null, null, [])],
            [], true, new Dictionary<string, DateTimeOffset>(), DateTimeOffset.Parse("2026-11-24T09:00:00Z"));
        AssertHarmless(decision.Effects.OfType<PostComment>().Single().Body.Replace("@sam", ""));
        var digest = decision.Effects.OfType<UpsertTrackerIssue>().Single().Body;
        Assert.DoesNotContain("@everyone", digest, StringComparison.Ordinal);
        Assert.Equal(["PVTI_1"], TwoHourRules.DraftsIn(digest));
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void The_workflow_check_on_a_pull_request_quotes_hostile_problems_harmlessly(string hostile) =>
        AssertHarmless(WorkflowPullRequestHandler.Render(null, [$"f.yml: role '{hostile}' is not one of the roles"]));
}

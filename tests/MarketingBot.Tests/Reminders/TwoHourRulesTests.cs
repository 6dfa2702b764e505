using MarketingBot.Effects;
using MarketingBot.Reminders;
using MarketingBot.Requests;
using MarketingBot.Storage;

namespace MarketingBot.Tests.Reminders;

/// <summary>The two-hour rule with plain values: who is reminded, when, and when it stops.</summary>
public sealed class TwoHourRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly IssueRef Plan = new("acme", "marketing", 20);

    private static Tracker Tracker(params string[] quietDays) =>
        new(42, "acme", "marketing", new Workflow { TwoHourRule = new TwoHourRule { CoolDownDays = 3, QuietDays = [.. quietDays] } });

    private static UntrackedTask Task(string title, double hours = 3) => new($"{Plan}:{title}", title, hours, Plan, "I_20", ["sam"]);

    private static UntrackedTask Draft(string id, string title, double hours = 4) => new($"draft:{id}", title, hours, null, null, ["kim"]);

    private static TwoHourDecision Decide(IReadOnlyList<UntrackedTask> found, IReadOnlyList<Nag>? open = null, Dictionary<string, DateTimeOffset>? snoozes = null,
        Tracker? tracker = null, bool draftsScanned = true) =>
        TwoHourRules.Decide(tracker ?? Tracker(), found, open ?? [], draftsScanned, snoozes ?? [], Now);

    [Fact]
    public void Untracked_tasks_of_an_issue_get_one_reminder_that_mentions_their_owner()
    {
        var decision = Decide([Task("Write the launch post"), Task("Record the demo", 4.5)]);

        var comment = Assert.Single(decision.Effects.OfType<PostComment>());
        Assert.Equal(Plan, comment.Issue);
        Assert.Contains("⏱️ @sam, these tasks are estimated over 2 hours", comment.Body);
        Assert.Contains("- `Write the launch post` (3 h)", comment.Body);
        Assert.Contains("- `Record the demo` (4.5 h)", comment.Body);
        Assert.Equal(2, decision.Nagged.Count);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2.9, false)]
    [InlineData(3, true)]
    [InlineData(10, true)]
    public void A_task_is_reminded_about_at_most_once_per_cool_down(double daysSince, bool reminded)
    {
        var task = Task("Write the launch post");
        var decision = Decide([task], open: [new Nag(task.Key, task.Title, Now.AddDays(-daysSince), 1)]);
        Assert.Equal(reminded, decision.Effects.OfType<PostComment>().Any());
    }

    [Fact]
    public void A_snoozed_issue_is_not_reminded_until_the_snooze_ends()
    {
        Assert.Empty(Decide([Task("Write the launch post")], snoozes: new() { ["I_20"] = Now.AddHours(1) }).Effects);
        Assert.Single(Decide([Task("Write the launch post")], snoozes: new() { ["I_20"] = Now.AddHours(-1) }).Effects);
    }

    [Fact]
    public void On_a_quiet_day_nobody_is_reminded_but_resolved_tasks_still_close()
    {
        var decision = Decide([Task("New task")], open: [new Nag("gone", "Old task", Now.AddDays(-5), 1)], tracker: Tracker("Tuesday"));
        Assert.Empty(decision.Effects.OfType<PostComment>());
        Assert.Equal(["gone"], decision.Resolved);
        Assert.Contains("quiet day", decision.Outcome);
    }

    [Fact]
    public void A_reminder_whose_task_is_gone_is_resolved_but_draft_reminders_wait_when_the_board_was_not_read()
    {
        var open = new[] { new Nag($"{Plan}:converted", "Converted", Now.AddDays(-1), 1), new Nag("draft:PVTI_1", "Draft", Now.AddDays(-1), 1) };
        Assert.Equal([$"{Plan}:converted", "draft:PVTI_1"], Decide([], open).Resolved);
        Assert.Equal([$"{Plan}:converted"], Decide([], open, draftsScanned: false).Resolved);
    }

    [Fact]
    public void Draft_items_are_listed_in_one_digest_kept_in_place_with_a_reminder_comment_when_due()
    {
        var decision = Decide([Draft("PVTI_a", "Plan the event", 6), Draft("PVTI_b", "Film the teaser")]);

        var digest = Assert.Single(decision.Effects.OfType<UpsertTrackerIssue>());
        Assert.Equal(("acme", "marketing", "Untracked work over two hours", TwoHourRules.DigestMarker), (digest.Owner, digest.Repository, digest.Title, digest.Marker));
        Assert.StartsWith(TwoHourRules.DigestMarker, digest.Body);
        Assert.Contains("- `Plan the event` (6 h), kim <!-- marketingbot:draft PVTI_a -->", digest.Body);
        Assert.Equal(["PVTI_a", "PVTI_b"], TwoHourRules.DraftsIn(digest.Body));
        Assert.Contains("@kim", digest.Comment);
        Assert.Empty(TwoHourRules.DraftsIn("Someone's issue <!-- marketingbot:draft PVTI_x -->"));

        var later = Decide([Draft("PVTI_a", "Plan the event", 6)], open: [new Nag("draft:PVTI_a", "Plan the event", Now.AddDays(-1), 1)]);
        Assert.Null(Assert.Single(later.Effects.OfType<UpsertTrackerIssue>()).Comment);
    }
}

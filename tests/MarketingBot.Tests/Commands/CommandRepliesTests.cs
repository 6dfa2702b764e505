using MarketingBot.Commands;
using MarketingBot.Effects;
using MarketingBot.Processing;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.Commands;

public sealed class CommandRepliesTests
{
    private static readonly IssueRef Issue = new("acme", "customer", 7);

    private static readonly Decision Reply = new("/help answered", [new ReactToComment(Issue, 1, "eyes"), new UpsertBotComment(Issue, CommandRules.ReplyMarker(1), "Here is what I can do")]);

    [Fact]
    public void After_the_burst_a_person_gets_one_reply_a_minute_and_reactions_and_other_effects_always_go_out()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-03T10:00:00Z"));
        var replies = new CommandReplies(time);
        for (var i = 0; i < CommandReplies.Burst; i++) Assert.Same(Reply, replies.Pace(Reply, 42, "flooder"));

        var held = replies.Pace(Reply, 42, "flooder");
        Assert.IsType<ReactToComment>(Assert.Single(held.Effects));
        Assert.Contains("reply held back", held.Outcome, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.DoesNotContain(replies.Pace(Reply, 42, "Flooder").Effects, CommandRules.IsReply);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Same(Reply, replies.Pace(Reply, 42, "flooder"));
        Assert.DoesNotContain(replies.Pace(Reply, 42, "flooder").Effects, CommandRules.IsReply);

        // Each person, in each installation, has their own allowance; a decision with no reply spends none.
        Assert.Same(Reply, replies.Pace(Reply, 42, "pat"));
        Assert.Same(Reply, replies.Pace(Reply, 43, "flooder"));
        var quiet = new Decision("approved", [new ReactToComment(Issue, 2, "+1"), new UpsertBotComment(Issue, MarketingBot.Requests.RequestComment.Marker, "approved by pat")]);
        Assert.Same(quiet, replies.Pace(quiet, 42, "flooder"));
    }
}

using System.Net;
using System.Text;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Hardening;

/// <summary>Signed but hostile bodies: nesting deep enough to exhaust a recursive parser.</summary>
public sealed class HostileJsonTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(100_000)]
    public async Task Deeply_nested_JSON_is_refused_400_with_the_reason_and_nothing_is_stored(int depth)
    {
        await using var bot = new BotFactory();
        var body = Encoding.UTF8.GetBytes("{\"action\":\"opened\",\"issue\":" + new string('[', depth) + new string(']', depth) + "}");

        var response = await bot.PostAsync("issues", $"deep-{depth}", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("depth", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(new InboxCounts(0, 0, 0, 0), await bot.Inbox.CountAsync());
        // The service is unharmed: the next delivery goes through.
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "after", Payloads.IssueEvent("opened", 1, "I_1"))).StatusCode);
    }

    [Fact]
    public async Task A_delivery_nested_as_deep_as_the_intake_allows_is_processed_not_failed()
    {
        await using var bot = new BotFactory();
        var nesting = MarketingBot.Intake.DeliveryEnvelope.MaxDepth - 2;
        var opened = Encoding.UTF8.GetString(Payloads.IssueEvent("opened", 1, "I_1"));
        // An odd field GitHub might add one day, deep inside the issue.
        var body = Encoding.UTF8.GetBytes(opened.Replace("\"issue\":{", "\"issue\":{\"x_extra\":" + new string('[', nesting) + new string(']', nesting) + ",", StringComparison.Ordinal));
        Assert.NotEqual(opened.Length, body.Length);

        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "deep-but-allowed", body)).StatusCode);
        await bot.DrainAsync();
        Assert.All(await bot.Inbox.ReadAuditAsync("deep-but-allowed"), a => Assert.Null(a.Error));
        Assert.Equal(1, (await bot.Inbox.CountAsync()).Done);
    }
}

/// <summary>A request body near GitHub's 25 MB cap, through the whole live app.</summary>
public sealed class HugeRequestTests : LiveBotTest
{
    [Fact]
    public async Task A_request_whose_body_is_20_MB_is_processed_and_answered_in_one_comment_within_GitHubs_limit()
    {
        var answer = "FlowFuse 2.5 " + new string('x', 5 * 1024 * 1024); // four answers: 20 MB under GitHub's 25 MB cap
        var body = $"### What should we share?\n\n{answer}\n\n### Content type\n\n{answer}\n\n### Links\n\n{answer}\n\n### Publish date\n\n{answer}";

        await Live.DeliverAsync("opened", "huge", body);

        // GitHub refuses a comment over 65,536 characters; the bot quotes only the start of each answer.
        var comment = Assert.Single(Live.Comments.All);
        Assert.InRange(comment.Body.Length, 100, 65_536);
        Assert.Contains("needs", comment.Body);
    }
}

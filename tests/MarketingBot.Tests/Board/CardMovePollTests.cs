using System.Net;
using MarketingBot.Board;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Board;

/// <summary>Where GitHub sends no card events, the bot polls the board: WireMock as GitHub, the whole app live.</summary>
public sealed class CardMovePollTests : LiveBotTest
{
    private const string Body = LiveBot.ShortRequestBody;

    private CardMovePoll Poll => Live.Bot.Services.GetRequiredService<CardMovePoll>();

    [Theory]
    [InlineData("Organization", "write", "issues,projects_v2_item", false, "projects_v2_item webhooks")]
    [InlineData("User", "", "issues", true, "installed on a User account, not an organisation")]
    [InlineData("Organization", "", "issues,projects_v2_item", true, "the installation lacks the organisation Projects permission")]
    [InlineData("Organization", "read", "issues", true, "the App is not subscribed to projects_v2_item events")]
    public void An_installation_without_card_events_is_polled_and_says_why(string accountType, string projects, string events, bool polls, string reason)
    {
        var watch = CardMoveWatch.For(42, "acme", accountType, projects, events.Split(','));
        Assert.Equal((polls, reason), (watch.Polls, watch.Reason));
    }

    [Fact]
    public async Task A_card_moved_by_a_person_is_found_by_polling_and_reflected_once()
    {
        Live.GitHub.IsInstalled("User", "", "issues");
        await Live.DeliverAsync("opened", "o-1", Body);
        Assert.Equal(0, await Poll.RunAsync(CancellationToken.None));

        Live.CardShowsRequest(Body);
        Live.Projects.Move(LiveBot.NodeId, "Todo", mover: "pmm");
        Assert.Equal(1, await Poll.RunAsync(CancellationToken.None));
        // Polled again before the move is processed: the same move is not queued twice.
        Assert.Equal(0, await Poll.RunAsync(CancellationToken.None));
        await Live.Bot.DrainAsync();

        Assert.Equal([("No Status", "MarketingBot"), ("Todo", "pmm")],
            (await Live.Bot.Records<CardRecords>().ReadStatusHistoryAsync(LiveBot.NodeId)).Select(h => (h.Column, h.MovedBy)));
        Assert.Contains(Live.GitHub.Requests($"/repos/{LiveBot.Repository}/issues/{LiveBot.Number}/labels", "POST"), r => r.Body!.Contains("\"approved\""));
        Assert.Equal(0, await Poll.RunAsync(CancellationToken.None));

        var ready = await (await Live.Bot.CreateClient().GetAsync("/readyz")).Content.ReadAsStringAsync();
        Assert.Contains("acme (installation 42): polling every 00:05:00 (installed on a User account, not an organisation)", ready);
    }

    [Fact]
    public async Task Cards_of_an_installation_with_webhooks_are_not_polled_and_readiness_says_so()
    {
        Live.GitHub.IsInstalled("Organization", "write", "issues,projects_v2_item");
        await Live.DeliverAsync("opened", "o-1", Body);
        Live.Projects.Move(LiveBot.NodeId, "Done");

        Assert.Equal(0, await Poll.RunAsync(CancellationToken.None));
        Assert.Equal(0, Live.Projects.ItemPages);
        var ready = await Live.Bot.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("acme (installation 42): projects_v2_item webhooks", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_long_board_is_read_a_hundred_cards_a_page_and_cards_the_bot_did_not_place_are_left_alone()
    {
        Live.GitHub.IsInstalled("Organization", "", "issues");
        await Live.DeliverAsync("opened", "o-1", Body);
        Live.Projects.AddOtherCards(250);

        Assert.Equal(0, await Poll.RunAsync(CancellationToken.None));
        Assert.Equal(3, Live.Projects.ItemPages);
    }

    [Fact]
    public async Task Before_the_first_poll_readiness_says_the_mode_is_not_known_yet()
    {
        var ready = await (await Live.Bot.CreateClient().GetAsync("/readyz")).Content.ReadAsStringAsync();
        Assert.Contains("card moves: installations not checked yet (first check within 00:05:00)", ready);
    }
}

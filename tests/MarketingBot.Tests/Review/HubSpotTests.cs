using System.Text.Json.Nodes;
using MarketingBot.Review;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Review;

/// <summary>
/// HubSpot's contact search as its API reference describes it: <c>POST /crm/v3/objects/contacts/search</c> with a
/// bearer token, filter groups, and an answer whose <c>total</c> counts the matches, never reaching past 10,000.
/// </summary>
public sealed class HubSpotTests : IDisposable
{
    private const string Token = "pat-na1-11111111-2222-3333-4444-555555555555";
    private static readonly DateTimeOffset November = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset December = November.AddMonths(1);

    private readonly WireMockServer _hubSpot = WireMockServer.Start();

    /// <summary>Contacts by the date property they have, and their campaign, spread evenly over November.</summary>
    private readonly Dictionary<string, List<(long At, string? Campaign)>> _contacts = [];

    public void Dispose() => _hubSpot.Stop();

    private void Has(string property, int count, string? campaign = null)
    {
        var list = _contacts.TryGetValue(property, out var existing) ? existing : _contacts[property] = [];
        var span = (December - November).TotalMilliseconds;
        for (var i = 0; i < count; i++) list.Add((November.ToUnixTimeMilliseconds() + (long)(span * (i + 0.5) / count), campaign));
    }

    private void Answers()
    {
        _hubSpot.Given(Request.Create().WithPath("/crm/v3/objects/contacts/search").UsingPost().WithHeader("Authorization", $"Bearer {Token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var filters = JsonNode.Parse(request.Body!)!["filterGroups"]![0]!["filters"]!.AsArray();
                var range = filters.Single(f => f!["operator"]!.GetValue<string>() == "BETWEEN")!;
                var (from, to) = (long.Parse(range["value"]!.GetValue<string>()), long.Parse(range["highValue"]!.GetValue<string>()));
                var campaign = filters.SingleOrDefault(f => f!["operator"]!.GetValue<string>() == "EQ")?["value"]!.GetValue<string>();
                var matches = _contacts.GetValueOrDefault(range["propertyName"]!.GetValue<string>(), [])
                    .Count(c => c.At >= from && c.At <= to && (campaign is null || c.Campaign == campaign));
                // HubSpot's search reaches 10,000 results at most.
                return JsonAnswer.With(200, new JsonObject { ["total"] = Math.Min(matches, 10_000), ["results"] = new JsonArray() });
            }));
    }

    private HubSpotClient Client()
    {
        var services = new ServiceCollection();
        HubSpotClient.Register(services, new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HubSpot:AccessToken"] = Token, ["HubSpot:BaseUrl"] = _hubSpot.Urls[0],
        }).Build());
        return services.BuildServiceProvider().GetRequiredService<HubSpotClient>();
    }

    [Fact]
    public async Task A_month_of_five_thousand_new_contacts_is_read_in_one_request_per_figure_and_a_429_is_waited_out()
    {
        Has("createdate", 3_500);
        Has("createdate", 1_200, "spring-launch");
        Has("createdate", 300, "webinar-series");
        Has("hs_lifecyclestage_marketingqualifiedlead_date", 640);
        Has("hs_lifecyclestage_salesqualifiedlead_date", 150);
        Answers();
        // HubSpot's per-second limit, once: 429 with Retry-After.
        _hubSpot.Given(Request.Create().WithPath("/crm/v3/objects/contacts/search").UsingPost()).AtPriority(-10).InScenario("limit").WillSetStateTo("waited")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1").WithHeader("Content-Type", "application/json")
                .WithBody("""{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","category":"RATE_LIMITS","policyName":"SECONDLY"}"""));

        var month = await Client().ReadMonthAsync(November, December, ["spring-launch", "webinar-series"], CancellationToken.None);

        Assert.Equal(new HubSpotMonth(5_000, 640, 150, [("spring-launch", 1_200), ("webinar-series", 300)]), month with { ByCampaign = [.. month.ByCampaign] }, new MonthComparer());
        var requests = _hubSpot.LogEntries.Count();
        Assert.InRange(requests, 5, 10);
        var search = JsonNode.Parse(_hubSpot.LogEntries.Last().RequestMessage!.Body!)!;
        Assert.Equal(1, search["limit"]!.GetValue<int>());
        var range = search["filterGroups"]![0]!["filters"]![0]!;
        Assert.Equal(November.ToUnixTimeMilliseconds().ToString(), range["value"]!.GetValue<string>());
        Assert.Equal((December.ToUnixTimeMilliseconds() - 1).ToString(), range["highValue"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_count_past_HubSpots_ten_thousand_search_cap_is_added_up_from_smaller_ranges()
    {
        Has("createdate", 25_000);
        Answers();

        var month = await Client().ReadMonthAsync(November, December, [], CancellationToken.None);

        Assert.Equal(25_000, month.NewContacts);
    }

    [Fact]
    public void The_review_shows_HubSpots_figures_or_what_to_fill_in_by_hand()
    {
        var figures = MonthlyReview.Compute(DateOnly.FromDateTime(November.UtcDateTime), TimeZoneInfo.Utc, new([], [], (0, 0)), "Todo", "Done");

        var filled = MonthlyReview.Render(figures, [], [], new HubSpotFigures(new HubSpotMonth(5_000, 640, 150, [("Spring launch", 1_200)]), null));
        Assert.Contains("| 5,000 | 640 | 150 |", filled, StringComparison.Ordinal);
        Assert.Contains("| Spring launch | 1,200 |", filled, StringComparison.Ordinal);

        var byHand = MonthlyReview.Render(figures, [], [], new HubSpotFigures(null, null));
        Assert.Contains("Fill these in from HubSpot's dashboard", byHand, StringComparison.Ordinal);
        Assert.Contains("- [ ] New marketing qualified leads (MQLs):", byHand, StringComparison.Ordinal);
        Assert.Contains("HubSpot could not be read", MonthlyReview.Render(figures, [], [], new HubSpotFigures(null, "HubSpot answered 401")), StringComparison.Ordinal);
    }

    private sealed class MonthComparer : IEqualityComparer<HubSpotMonth>
    {
        public bool Equals(HubSpotMonth? x, HubSpotMonth? y) =>
            x is not null && y is not null && (x.NewContacts, x.NewMqls, x.NewSqls) == (y.NewContacts, y.NewMqls, y.NewSqls) && x.ByCampaign.SequenceEqual(y.ByCampaign);

        public int GetHashCode(HubSpotMonth obj) => obj.NewContacts.GetHashCode();
    }
}

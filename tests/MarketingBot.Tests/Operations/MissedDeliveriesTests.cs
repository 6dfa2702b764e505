using MarketingBot.Operations;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Operations;

/// <summary>Missed-delivery recovery against WireMock as GitHub's App webhook deliveries API.</summary>
public sealed class MissedDeliveriesTests : LiveBotTest
{
    private static string Attempt(long id, string guid, TimeSpan ago, int status) =>
        $$"""{"id":{{id}},"guid":"{{guid}}","delivered_at":"{{DateTimeOffset.UtcNow - ago:yyyy-MM-ddTHH:mm:ssZ}}","redelivery":false,"status_code":{{status}},"event":"issues","action":"opened"}""";

    [Fact]
    public async Task Every_GUID_without_a_successful_attempt_that_never_arrived_is_redelivered_once()
    {
        await Live.Bot.PostAsync("ping", "arrived", Payloads.Ping());
        var server = Live.GitHub.Server;
        var next = $"{server.Urls[0]}/app/hook/deliveries?per_page=100&cursor=page2";
        server.Given(Request.Create().WithPath("/app/hook/deliveries").WithParam("cursor", "page2").UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody($"""
                [{Attempt(4, "failed-twice", TimeSpan.FromHours(5), 502)}, {Attempt(3, "too-old", TimeSpan.FromDays(4), 500)}]
                """));
        server.Given(Request.Create().WithPath("/app/hook/deliveries").UsingGet()).AtPriority(5)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithHeader("Link", $"<{next}>; rel=\"next\"")
                .WithBody($"""
                [{Attempt(9, "ok", TimeSpan.FromHours(1), 200)}, {Attempt(8, "lost", TimeSpan.FromHours(2), 502)},
                 {Attempt(7, "arrived", TimeSpan.FromHours(2), 0)}, {Attempt(6, "failed-twice", TimeSpan.FromHours(3), 504)},
                 {Attempt(5, "ok", TimeSpan.FromHours(4), 500)}]
                """));
        server.Given(Request.Create().WithPath("/app/hook/deliveries/*/attempts").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(202).WithHeader("Content-Type", "application/json").WithBody("{}"));
        var recovery = Live.Bot.Services.GetRequiredService<MissedDeliveries>();

        var report = await recovery.RunAsync(CancellationToken.None);

        Assert.Equal(["/app/hook/deliveries/6/attempts", "/app/hook/deliveries/8/attempts"],
            Live.GitHub.All.Where(r => r.Method == "POST" && r.Path.EndsWith("/attempts")).Select(r => r.Path).Order());
        Assert.Equal(("checked", 5, 2), (report.Outcome, report.Checked, report.Redelivered));
        Assert.All(Live.GitHub.Requests("/app/hook/deliveries", "GET"), r => Assert.StartsWith("Bearer ey", r.Headers!["Authorization"][0]));

        await recovery.RunAsync(CancellationToken.None);
        Assert.Equal(2, Live.GitHub.All.Count(r => r.Method == "POST" && r.Path.EndsWith("/attempts")));
    }
}

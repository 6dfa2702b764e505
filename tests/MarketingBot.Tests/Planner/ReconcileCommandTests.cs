using System.Net;
using MarketingBot.Planner;
using MarketingBot.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Planner;

/// <summary>A reconcile can be started by hand: from the command line (through the running bot) as from the dashboard.</summary>
public sealed class ReconcileCommandTests
{
    private const string Token = "a-long-random-dashboard-token-for-tests";

    [Fact]
    public async Task The_bot_starts_a_reconcile_for_its_dashboard_token_only()
    {
        await using var bot = new BotFactory(new() { ["Dashboard:Token"] = Token });
        var client = bot.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/reconcile", null)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/reconcile") { Headers = { Authorization = new("Bearer", "guess") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);

        using var right = new HttpRequestMessage(HttpMethod.Post, "/api/reconcile") { Headers = { Authorization = new("Bearer", Token) } };
        var started = await client.SendAsync(right);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var reconcile = bot.Services.GetService(typeof(PlannerReconcile)) as PlannerReconcile;
        Assert.True(await Eventually.UntilAsync(() => reconcile!.LastRun is not null));
        Assert.StartsWith("skipped: the Content Planner is not configured", reconcile!.LastRun!.Outcome);
    }

    [Fact]
    public async Task The_command_asks_the_running_bot_with_the_token_and_says_what_it_answered()
    {
        using var server = WireMockServer.Start();
        server.Given(Request.Create().WithPath("/api/reconcile").UsingPost().WithHeader("Authorization", $"Bearer {Token}"))
            .RespondWith(Response.Create().WithStatusCode(202).WithBody("Content Planner reconcile started"));
        var (output, errors) = (new StringWriter(), new StringWriter());

        Assert.Equal(0, await ReconcileCommand.RunAsync([server.Urls[0]], Token, output, errors));
        Assert.Contains("202 Content Planner reconcile started", output.ToString());

        Assert.Equal(1, await ReconcileCommand.RunAsync([server.Urls[0]], "wrong", output, errors));
        Assert.Equal(2, await ReconcileCommand.RunAsync([server.Urls[0]], null, output, errors));
        Assert.Contains("Dashboard__Token is not set", errors.ToString());
        Assert.Equal(2, await ReconcileCommand.RunAsync(["not a url"], Token, output, errors));
    }
}

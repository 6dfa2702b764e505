using System.Net;
using System.Text.Json;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Intake;

public class HealthTests
{
    [Fact]
    public async Task Readyz_reports_each_check_and_dry_run_without_credentials()
    {
        await using var bot = new BotFactory();
        var response = await bot.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = json.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("storage").GetProperty("status").GetString());
        Assert.StartsWith("dry run: no GitHub App credentials", checks.GetProperty("github-app").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Readyz_fails_when_the_App_credentials_set_do_not_work()
    {
        using var github = new FakeGitHub();
        github.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/app").UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(401).WithBody("""{"message":"A JSON web token could not be decoded"}"""));
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("key.pem"), github.Key.ExportRSAPrivateKeyPem());
        await using var bot = new BotFactory(new()
        {
            ["GitHub:AppId"] = "1234",
            ["GitHub:PrivateKeyPath"] = folder.File("key.pem"),
            ["GitHub:ApiBaseUrl"] = github.Server.Urls[0],
        });

        var response = await bot.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("could not be decoded", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await bot.CreateClient().GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Readyz_fails_when_no_delivery_arrived_for_too_long_and_recovers_with_the_next_one()
    {
        await using var bot = new BotFactory(new() { ["Bot:SilenceAlert"] = "00:00:00.300" });
        var client = bot.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        await Task.Delay(500);

        var silent = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, silent.StatusCode);
        Assert.Contains("no delivery from GitHub for 0 hours", await silent.Content.ReadAsStringAsync());

        await bot.PostAsync("ping", "p-1", Payloads.Ping());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }
}

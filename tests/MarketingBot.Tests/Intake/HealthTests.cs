using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using MarketingBot.Health;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Intake;

public class HealthTests
{
    [Fact]
    public async Task Readyz_reports_each_check_and_a_dry_run_that_was_asked_for()
    {
        await using var bot = new BotFactory();
        var response = await bot.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = json.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal("dry run: Bot__DryRun=true", checks.GetProperty("github-app").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Readyz_warns_loudly_while_nobody_can_approve_and_stops_once_the_team_is_in_its_roles()
    {
        static async Task<JsonElement> WorkflowCheckOf(BotFactory bot)
        {
            using var json = JsonDocument.Parse(await (await bot.CreateClient().GetAsync("/readyz")).Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("checks").GetProperty("workflow").Clone();
        }

        await using (var builtIn = new BotFactory())
        {
            var check = await WorkflowCheckOf(builtIn);
            Assert.Equal("Degraded", check.GetProperty("status").GetString());
            Assert.StartsWith("WARNING: the built-in workflow: nobody is in the product-marketing-manager role, so nobody can /approve",
                check.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("marketingbot.yml"), "base: built-in\nroles:\n  product-marketing-manager: { logins: [pat] }\n");
        await using var team = new BotFactory(new() { ["Bot:WorkflowPath"] = folder.File("marketingbot.yml") });
        Assert.Equal("Healthy", (await WorkflowCheckOf(team)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_credentials_or_dry_run_deliveries_wait_unprocessed_and_are_processed_once_the_App_is_configured()
    {
        using var folder = new TempFolder();
        var database = $"Data Source={folder.File("bot.db")}";
        var body = """{"zen":"Keep it logically awesome.","hook_id":1}"""u8.ToArray();
        await using (var halfConfigured = new BotFactory(new() { ["Bot:DryRun"] = "false", ["Storage:ConnectionString"] = database }))
        {
            var processor = halfConfigured.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<MarketingBot.Processing.DeliveryProcessor>().Single();
            await processor.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(HttpStatusCode.Accepted, (await halfConfigured.PostAsync("ping", "held-1", body)).StatusCode);

            Assert.Equal(1, (await halfConfigured.Inbox.CountAsync()).Pending);
            Assert.Empty(await halfConfigured.Inbox.ReadAuditAsync());
            var response = await halfConfigured.CreateClient().GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("deliveries are stored and wait, unprocessed", await response.Content.ReadAsStringAsync());
        }

        using var github = new FakeGitHub();
        await File.WriteAllTextAsync(folder.File("key.pem"), github.Key.ExportRSAPrivateKeyPem());
        await using var configured = new BotFactory(new()
        {
            ["Bot:DryRun"] = "false",
            ["Storage:ConnectionString"] = database,
            ["GitHub:AppId"] = FakeGitHub.AppId.ToString(),
            ["GitHub:PrivateKeyPath"] = folder.File("key.pem"),
            ["GitHub:ApiBaseUrl"] = github.Server.Urls[0],
        });
        _ = configured.Server;
        await configured.DrainAsync();
        var processed = Assert.Single(await configured.Inbox.ReadAuditAsync("held-1"));
        Assert.False(processed.DryRun);
        Assert.Null(processed.Error);
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
            ["Bot:DryRun"] = "false",
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
        // A load balancer's probe asks only whether deliveries can be taken in: pulling the bot out of service
        // for silence would keep GitHub's deliveries out for good.
        var intake = await client.GetAsync("/readyz/intake");
        Assert.Equal(HttpStatusCode.OK, intake.StatusCode);
        Assert.Equal(["storage"], JsonNode.Parse(await intake.Content.ReadAsStringAsync())!["checks"]!.AsObject().Select(c => c.Key));

        await bot.PostAsync("ping", "p-1", Payloads.Ping());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task The_healthcheck_command_exits_0_only_when_the_instance_answers_2xx()
    {
        using var instance = WireMockServer.Start();
        instance.Given(Request.Create().WithPath("/healthz")).RespondWith(Response.Create().WithStatusCode(200));
        instance.Given(Request.Create().WithPath("/broken")).RespondWith(Response.Create().WithStatusCode(503));
        var output = new StringWriter();
        var errors = new StringWriter();

        Assert.Equal(0, await HealthProbe.RunAsync([$"{instance.Url}/healthz"], output, errors));
        Assert.Equal(1, await HealthProbe.RunAsync([$"{instance.Url}/broken"], output, errors));
        Assert.Contains("503", output.ToString());
        // A port this test holds without listening refuses connections; a stopped server's port could be taken by a parallel test.
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal(1, await HealthProbe.RunAsync([$"http://127.0.0.1:{((IPEndPoint)refusing.LocalEndPoint!).Port}/healthz"], output, errors));
        Assert.Contains("no answer", errors.ToString());
        Assert.Equal(2, await HealthProbe.RunAsync(["not a url"], output, errors));
    }
}

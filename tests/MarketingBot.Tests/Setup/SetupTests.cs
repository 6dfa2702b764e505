using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MarketingBot.Configuration;
using MarketingBot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Setup;

/// <summary>The manifest flow against WireMock as GitHub: from /setup to stored credentials the next start loads.</summary>
public sealed partial class SetupTests : IDisposable
{
    private readonly FakeGitHub _github = new();
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _github.Dispose();
        _folder.Dispose();
    }

    private BotFactory Bot() => new(new()
    {
        ["GitHub:ApiBaseUrl"] = _github.Server.Urls[0],
        ["GitHub:WebUrl"] = _github.Server.Urls[0],
        ["Setup:Directory"] = _folder.Path,
    });

    [Fact]
    public async Task Setup_posts_the_manifest_exchanges_the_code_stores_the_credentials_and_then_refuses()
    {
        _github.Server.Given(Request.Create().WithPath("/app-manifests/code-123/conversions").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""
                {"id":987,"slug":"acme-marketingbot","node_id":"A_1","name":"Acme MarketingBot","html_url":"https://github.com/apps/acme-marketingbot",
                 "owner":{"login":"acme","id":9},"client_id":"Iv1.x","client_secret":"shh","webhook_secret":"whsec-42","pem":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"}
                """));
        await using (var bot = Bot())
        {
            using var client = bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
            var page = await (await client.GetAsync("/setup?organization=acme")).Content.ReadAsStringAsync();

            var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);
            Assert.StartsWith($"{_github.Server.Urls[0]}/organizations/acme/settings/apps/new?state=", action);
            var manifest = JsonNode.Parse(WebUtility.HtmlDecode(ManifestField().Match(page).Groups[1].Value))!;
            Assert.Equal("http://localhost/api/github/webhooks", manifest["hook_attributes"]!["url"]!.GetValue<string>());
            Assert.Equal("http://localhost/setup/callback", manifest["redirect_url"]!.GetValue<string>());
            Assert.Equal("write", manifest["default_permissions"]!["issues"]!.GetValue<string>());
            Assert.Contains("issue_comment", manifest["default_events"]!.AsArray().Select(e => e!.GetValue<string>()));

            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/setup/callback?code=code-123&state=forged")).StatusCode);
            var state = action[(action.IndexOf("state=", StringComparison.Ordinal) + 6)..];
            var done = await client.GetAsync($"/setup/callback?code=code-123&state={state}");
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            Assert.Contains("https://github.com/apps/acme-marketingbot/installations/new", await done.Content.ReadAsStringAsync());

            var stored = JsonNode.Parse(await File.ReadAllTextAsync(_folder.File("github-app.json")))!["GitHub"]!;
            Assert.Equal((987, "whsec-42"), (stored["AppId"]!.GetValue<long>(), stored["WebhookSecret"]!.GetValue<string>()));
            Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", await File.ReadAllTextAsync(_folder.File("github-app.pem")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_folder.File("github-app.pem")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_folder.File("github-app.json")));
            }

            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/setup")).StatusCode);
        }

        await using var restarted = Bot();
        var settings = restarted.Services.GetRequiredService<IOptions<GitHubSettings>>().Value;
        Assert.Equal((987L, _folder.File("github-app.pem")), (settings.AppId, settings.PrivateKeyPath));
        // The test host sets its own webhook secret, as an operator's environment would: that still wins over the stored one.
        Assert.Equal(BotFactory.Secret, settings.WebhookSecret);
    }

    [Fact]
    public async Task A_code_GitHub_refuses_is_explained_and_nothing_is_stored()
    {
        _github.Server.Given(Request.Create().WithPath("/app-manifests/*/conversions").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("""{"message":"Not Found"}"""));
        await using var bot = Bot();
        using var client = bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await (await client.GetAsync("/setup")).Content.ReadAsStringAsync();
        var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);
        Assert.StartsWith($"{_github.Server.Urls[0]}/settings/apps/new?state=", action);

        var refused = await client.GetAsync($"/setup/callback?code=used&state={action[(action.IndexOf("state=", StringComparison.Ordinal) + 6)..]}");
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        Assert.Contains("codes are valid for one hour and once", await refused.Content.ReadAsStringAsync());
        Assert.False(File.Exists(_folder.File("github-app.json")));
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("name=\"manifest\" value=\"([^\"]+)\"")]
    private static partial Regex ManifestField();
}

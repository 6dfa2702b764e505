using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MarketingBot.Configuration;
using MarketingBot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
            await EnterSetupCodeAsync(bot, client);
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
        await EnterSetupCodeAsync(bot, client);
        var page = await (await client.GetAsync("/setup")).Content.ReadAsStringAsync();
        var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);
        Assert.StartsWith($"{_github.Server.Urls[0]}/settings/apps/new?state=", action);

        var refused = await client.GetAsync($"/setup/callback?code=used&state={action[(action.IndexOf("state=", StringComparison.Ordinal) + 6)..]}");
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        Assert.Contains("codes are valid for one hour and once", await refused.Content.ReadAsStringAsync());
        Assert.False(File.Exists(_folder.File("github-app.json")));
    }

    /// <summary>Gives /setup the code the bot printed at start, as the operator would.</summary>
    private static async Task EnterSetupCodeAsync(BotFactory bot, HttpClient client, string? code = null, HttpStatusCode expected = HttpStatusCode.Redirect)
    {
        var page = await (await client.GetAsync("/setup")).Content.ReadAsStringAsync();
        Assert.Contains("set-up code", page);
        var token = AntiforgeryField().Match(page);
        var answer = await client.PostAsync("/setup/code", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(token.Groups[1].Value)] = WebUtility.HtmlDecode(token.Groups[2].Value),
            ["code"] = code ?? bot.Services.GetRequiredService<MarketingBot.Setup.SetupAccess>().Code.ToLowerInvariant(),
        }));
        Assert.Equal(expected, answer.StatusCode);
    }

    [Fact]
    public async Task A_visitor_without_the_set_up_code_sees_no_manifest_and_cannot_store_an_App()
    {
        _github.Server.Given(Request.Create().WithPath("/app-manifests/*/conversions").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""
                {"id":666,"slug":"evil","name":"Evil","html_url":"https://github.com/apps/evil","webhook_secret":"evil","pem":"x"}
                """));
        await using var bot = Bot();
        using var visitor = bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        var page = await (await visitor.GetAsync("/setup")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("manifest", page);
        // A state cookie of their own making changes nothing: the callback wants the set-up code's session.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/setup/callback?code=theirs&state=AB");
        forged.Headers.Add("Cookie", "marketingbot-setup=AB");
        Assert.Equal(HttpStatusCode.Forbidden, (await visitor.SendAsync(forged)).StatusCode);
        Assert.False(File.Exists(_folder.File("github-app.json")));

        for (var guess = 0; guess < 5; guess++) await EnterSetupCodeAsync(bot, visitor, code: $"AAAA-AAAA-AAAA-AA{guess:00}", expected: HttpStatusCode.OK);
        await EnterSetupCodeAsync(bot, visitor, expected: HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task No_log_line_carries_the_set_up_state_the_code_GitHub_gave_or_the_Apps_secrets_and_the_set_up_code_only_its_start_up_line()
    {
        _github.Server.Given(Request.Create().WithPath("/app-manifests/code-secret-77/conversions").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""
                {"id":987,"slug":"s","name":"Acme MarketingBot","html_url":"https://github.com/apps/s","webhook_secret":"whsec-secret-42","pem":"PEM-SECRET"}
                """));
        var logs = new CapturedLogs();
        await using var bot = new BotFactory(new()
        {
            ["GitHub:ApiBaseUrl"] = _github.Server.Urls[0],
            ["GitHub:WebUrl"] = _github.Server.Urls[0],
            ["Setup:Directory"] = _folder.Path,
        }, services => services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        using var client = bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await EnterSetupCodeAsync(bot, client);
        var page = await (await client.GetAsync("/setup")).Content.ReadAsStringAsync();
        var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);
        var state = action[(action.IndexOf("state=", StringComparison.Ordinal) + 6)..];
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/setup/callback?code=code-secret-77&state={state}")).StatusCode);

        var lines = logs.Lines.ToList();
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains(state) || l.Contains("code-secret-77") || l.Contains("whsec-secret-42") || l.Contains("PEM-SECRET"));
        var code = bot.Services.GetRequiredService<MarketingBot.Setup.SetupAccess>().Code;
        Assert.Single(lines, l => l.Contains(code));
    }

    [Fact]
    public async Task Of_two_callbacks_at_once_one_stores_the_App_and_the_other_is_refused()
    {
        _github.Server.Given(Request.Create().WithPath("/app-manifests/*/conversions").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithDelay(TimeSpan.FromMilliseconds(300)).WithBody("""
                {"id":987,"slug":"acme-marketingbot","name":"Acme MarketingBot","html_url":"https://github.com/apps/acme-marketingbot","webhook_secret":"s","pem":"k"}
                """));
        await using var bot = Bot();
        using var client = bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await EnterSetupCodeAsync(bot, client);
        var page = await (await client.GetAsync("/setup")).Content.ReadAsStringAsync();
        var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);
        var state = action[(action.IndexOf("state=", StringComparison.Ordinal) + 6)..];

        var answers = await Task.WhenAll(client.GetAsync($"/setup/callback?code=one&state={state}"), client.GetAsync($"/setup/callback?code=two&state={state}"));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Forbidden], answers.Select(a => a.StatusCode).Order());
        Assert.Single(_github.All, r => r.Path.StartsWith("/app-manifests/", StringComparison.Ordinal));
        var done = await answers.Single(a => a.StatusCode == HttpStatusCode.OK).Content.ReadAsStringAsync();
        Assert.DoesNotContain(_folder.Path, done);
    }

    [Fact]
    public void The_manifest_is_JSON_of_the_types_GitHub_documents_with_only_events_an_App_can_subscribe_to()
    {
        var manifest = JsonNode.Parse(MarketingBot.Setup.SetupEndpoints.Manifest("https://bot.example.com"))!.AsObject();
        Assert.Equal(System.Text.Json.JsonValueKind.False, manifest["public"]!.GetValueKind());
        Assert.Equal(System.Text.Json.JsonValueKind.True, manifest["hook_attributes"]!["active"]!.GetValueKind());
        Assert.Equal("https://bot.example.com/api/github/webhooks", manifest["hook_attributes"]!["url"]!.GetValue<string>());
        // GitHub's App manifest parameters: default_events are webhook events an App subscribes to; installation and
        // installation_repositories are sent to every App and cannot be subscribed to.
        string[] subscribable = ["issues", "issue_comment", "projects_v2", "projects_v2_item", "push", "pull_request", "label", "milestone", "repository", "member", "membership", "organization", "team"];
        Assert.All(manifest["default_events"]!.AsArray().Select(e => e!.GetValue<string>()), e => Assert.Contains(e, subscribable));
        Assert.All(manifest["default_permissions"]!.AsObject(), p => Assert.Contains(p.Value!.GetValue<string>(), new[] { "read", "write" }));
    }

    [Fact]
    public async Task Behind_a_proxy_the_manifest_names_the_public_address_GitHub_must_call()
    {
        await using var bot = new BotFactory(new()
        {
            ["GitHub:ApiBaseUrl"] = _github.Server.Urls[0],
            ["GitHub:WebUrl"] = _github.Server.Urls[0],
            ["Setup:Directory"] = _folder.Path,
            ["Bot:PublicUrl"] = "https://bot.acme.example/",
        });
        using var client = bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await EnterSetupCodeAsync(bot, client);
        var page = await (await client.GetAsync("/setup")).Content.ReadAsStringAsync();
        var manifest = JsonNode.Parse(WebUtility.HtmlDecode(ManifestField().Match(page).Groups[1].Value))!;
        Assert.Equal("https://bot.acme.example/setup/callback", manifest["redirect_url"]!.GetValue<string>());
        Assert.Equal("https://bot.acme.example/api/github/webhooks", manifest["hook_attributes"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Behind_a_TLS_proxy_on_this_machine_the_forwarded_scheme_and_host_make_the_manifests_addresses()
    {
        await using var bot = Bot();
        bot.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        bot.StartServer();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = bot.ClientOptions.BaseAddress };
        await EnterSetupCodeAsync(bot, client);

        // The proxy (here, this machine) took the visitor's https request for bot.acme.example and passes it on over http.
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/setup");
        proxied.Headers.Add("X-Forwarded-Proto", "https");
        proxied.Headers.Add("X-Forwarded-Host", "bot.acme.example");
        var page = await (await client.SendAsync(proxied)).Content.ReadAsStringAsync();

        var manifest = JsonNode.Parse(WebUtility.HtmlDecode(ManifestField().Match(page).Groups[1].Value))!;
        Assert.Equal("https://bot.acme.example/setup/callback", manifest["redirect_url"]!.GetValue<string>());
        Assert.Equal("https://bot.acme.example/api/github/webhooks", manifest["hook_attributes"]!["url"]!.GetValue<string>());
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("name=\"manifest\" value=\"([^\"]+)\"")]
    private static partial Regex ManifestField();
}

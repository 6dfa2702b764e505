using System.Net;
using MarketingBot.Processing;
using MarketingBot.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Response = WireMock.ResponseBuilders.Response;
using WireMock.Types;
using WireMock.Util;

namespace MarketingBot.Tests.Browser;

/// <summary>The dashboard and /setup in real headless Chromium, against the app on Kestrel (127.0.0.1) and WireMock as GitHub.</summary>
public sealed class DashboardBrowserTests : IDisposable
{
    private const string Token = "correct horse battery staple";
    private readonly FakeGitHub _github = new();
    private readonly TempFolder _folder = new();
    private BotFactory? _bot;
    private HeadlessChromium? _chromium;

    public void Dispose()
    {
        _chromium?.Dispose();
        _bot?.Dispose();
        _github.Dispose();
        _folder.Dispose();
    }

    /// <summary>Fails the first delivery it sees, then succeeds: a dead letter worth retrying.</summary>
    private sealed class FailsOnce : IDeliveryHandler
    {
        private int _calls;

        public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new InvalidOperationException("GitHub answered 502") : Task.FromResult(Decision.Nothing("starred"));
    }

    /// <summary>The app on a real port, so a browser can reach it; returns its address.</summary>
    private string Start()
    {
        var failsOnce = new FailsOnce();
        _bot = new BotFactory(new()
        {
            ["Dashboard:Token"] = Token,
            ["Bot:MaxAttempts"] = "1",
            ["GitHub:ApiBaseUrl"] = _github.Server.Urls[0],
            ["GitHub:WebUrl"] = _github.Server.Urls[0],
            ["Setup:Directory"] = _folder.Path,
        }, services => services.AddKeyedScoped<IDeliveryHandler>("star", (_, _) => failsOnce));
        _bot.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _bot.StartServer();
        _chromium = new HeadlessChromium();
        return _bot.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
    }

    private void SignIn(string address)
    {
        var page = _chromium!.Page;
        page.Navigate().GoToUrl(address + "/");
        Assert.EndsWith("/signin?ReturnUrl=%2F", page.Url);
        page.FindElement(By.Name("token")).SendKeys(Token);
        page.FindElement(By.CssSelector("button[type=submit]")).Click();
    }

    [BrowserFact]
    public async Task Sign_in_and_see_a_delivery_with_what_the_bot_would_send()
    {
        var address = Start();
        await _bot!.PostAsync("issues", "req-42", Payloads.IssueEvent("opened", 42, "I_42", title: "[Social post] Webinar", body: "### What should we share?\n\nOur webinar"));
        await _bot.DrainAsync();

        SignIn(address);
        Assert.True(await _chromium!.ShowsAsync("DRY RUN: nothing is sent"));
        _chromium.Screenshot("dashboard-overview");
        _chromium.Page.FindElement(By.LinkText("req-42")).Click();

        Assert.True(await _chromium.ShowsAsync("add labels to acme/customer#42: request: social-post, needs-info"));
        _chromium.Screenshot("dashboard-delivery");
    }

    [BrowserFact]
    public async Task Retry_a_dead_letter_from_the_dashboard()
    {
        var address = Start();
        await _bot!.PostAsync("star", "star-1", """{"action":"created","starred_at":null}"""u8.ToArray());
        await _bot.DrainAsync();

        SignIn(address);
        Assert.True(await _chromium!.ShowsAsync("1 dead letters"));
        Assert.True(await _chromium.ShowsAsync("GitHub answered 502"));
        _chromium.Screenshot("dashboard-dead-letter");
        _chromium.Page.FindElement(By.XPath("//button[text()='Retry']")).Click();

        // The button posts and the dashboard comes back; the delivery is processed again meanwhile.
        Assert.True(await Eventually.UntilAsync(async () => (await _bot.Inbox.ReadAuditAsync("star-1")).Last().Outcome == "starred"));
        Assert.True(await _chromium.ShowsAsync("0 dead letters", reload: true));
        _chromium.Screenshot("dashboard-retried");
    }

    [BrowserFact]
    public async Task Complete_setup_through_GitHubs_manifest_flow()
    {
        var address = Start();
        // GitHub's "new App from manifest" page, reduced to what the flow needs: it sends the browser back with a code.
        _github.Server.Given(Request.Create().WithPath("/settings/apps/new").UsingPost()).RespondWith(Response.Create().WithCallback(request =>
            new ResponseMessage
            {
                StatusCode = 302,
                Headers = new Dictionary<string, WireMockList<string>>
                {
                    ["Location"] = new($"{address}/setup/callback?code=code-1&state={request.Query!["state"].Single()}"),
                },
                BodyData = new BodyData { DetectedBodyType = BodyType.String, BodyAsString = "" },
            }));
        _github.Server.Given(Request.Create().WithPath("/app-manifests/code-1/conversions").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""
                {"id":987,"slug":"acme-marketingbot","name":"Acme MarketingBot","html_url":"https://github.com/apps/acme-marketingbot",
                 "webhook_secret":"whsec-42","pem":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"}
                """));

        var page = _chromium!.Page;
        page.Navigate().GoToUrl(address + "/setup");
        // The set-up code from the start-up log opens the set-up; a wrong one is refused first.
        page.FindElement(By.Name("code")).SendKeys("WRONG-CODE");
        page.FindElement(By.XPath("//button[text()='Continue']")).Click();
        Assert.True(await _chromium.ShowsAsync("That is not the set-up code"));
        _chromium.Screenshot("setup-code-refused");
        page.FindElement(By.Name("code")).SendKeys(_bot!.Services.GetRequiredService<MarketingBot.Setup.SetupAccess>().Code);
        page.FindElement(By.XPath("//button[text()='Continue']")).Click();
        Assert.True(await _chromium.ShowsAsync("Create the App on GitHub"));
        _chromium.Screenshot("setup-start");
        page.FindElement(By.XPath("//button[starts-with(text(), 'Create the App on GitHub')]")).Click();

        Assert.True(await _chromium.ShowsAsync("Acme MarketingBot is created"));
        _chromium.Screenshot("setup-done");
        Assert.Contains("\"AppId\": 987", await File.ReadAllTextAsync(_folder.File("github-app.json")));
        var posted = Assert.Single(_github.Requests("/settings/apps/new", "POST"));
        Assert.Contains(WebUtility.UrlEncode($"{address}/api/github/webhooks"), posted.Body);
    }
}

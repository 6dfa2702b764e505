using System.Net;
using System.Text.RegularExpressions;
using MarketingBot.Processing;
using MarketingBot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MarketingBot.Tests.Dashboard;

/// <summary>The dashboard through the app in memory: sign-in, deliveries and their effects, dead letters and retry.</summary>
public sealed partial class DashboardTests : IAsyncLifetime
{
    private const string Token = "correct horse battery staple";
    private BotFactory _bot = null!;
    private HttpClient _client = null!;

    /// <summary>Fails the first time it sees a delivery, then succeeds: a dead letter worth retrying.</summary>
    private sealed class FlakyHandler : IDeliveryHandler
    {
        private static int _calls;

        public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new InvalidOperationException("the fake failed once") : Task.FromResult(Decision.Nothing("starred, at last"));
    }

    public Task InitializeAsync()
    {
        _bot = new BotFactory(new() { ["Dashboard:Token"] = Token, ["Bot:MaxAttempts"] = "1" },
            services => services.AddKeyedScoped<IDeliveryHandler, FlakyHandler>("star"));
        _client = _bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _bot.DisposeAsync();
    }

    private async Task<string> FormToken(string path)
    {
        var page = await (await _client.GetAsync(path)).Content.ReadAsStringAsync();
        return HiddenToken().Match(page).Groups[1].Value;
    }

    private async Task<HttpResponseMessage> Post(string path, string tokenPage, params (string, string)[] fields) =>
        await _client.PostAsync(path, new FormUrlEncodedContent(fields.Append(("__RequestVerificationToken", await FormToken(tokenPage)))
            .Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))));

    private async Task SignIn() => Assert.Equal("/", (await Post("/signin", "/signin", ("token", Token))).Headers.Location!.OriginalString);

    [Fact]
    public async Task Guessing_the_token_is_throttled_five_wrong_tries_a_minute_then_even_the_right_one_waits()
    {
        for (var guess = 0; guess < AttemptThrottleLimit; guess++)
            Assert.Equal("/signin?failed=1", (await Post("/signin", "/signin", ("token", $"guess-{guess}"))).Headers.Location!.OriginalString);

        var throttled = await Post("/signin", "/signin", ("token", Token));
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await _client.GetAsync("/")).StatusCode);
    }

    private const int AttemptThrottleLimit = MarketingBot.Dashboard.AttemptThrottle.FailuresPerMinute;

    [Fact]
    public async Task The_dashboard_needs_the_admin_token()
    {
        Assert.StartsWith("http://localhost/signin", (await _client.GetAsync("/")).Headers.Location!.ToString());
        Assert.Equal("/signin?failed=1", (await Post("/signin", "/signin", ("token", "wrong"))).Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await _client.GetAsync("/")).StatusCode);

        await SignIn();
        var page = await _client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("DRY RUN: nothing is sent", html);
        Assert.Contains("<h2>Queue</h2>", html);
        Assert.Contains("<td>storage</td>", html);
    }

    [Fact]
    public async Task Without_a_token_configured_the_dashboard_stays_shut()
    {
        await using var bot = new BotFactory();
        using var client = bot.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = true });
        var html = await (await client.GetAsync("/")).Content.ReadAsStringAsync();
        Assert.Contains("The dashboard is off: set <code>Dashboard__Token</code>", html);
        Assert.DoesNotContain("<input", html);
    }

    [Fact]
    public async Task A_delivery_is_listed_with_what_the_bot_decided_and_the_effects_it_would_send()
    {
        await _bot.PostAsync("issues", "req-1", Payloads.IssueEvent("opened", 12, "I_12", title: "[Social post] <script>alert(1)</script>",
            body: "### What should we share?\n\nOur webinar"));
        await _bot.DrainAsync();
        await SignIn();

        Assert.Contains("<a href=\"/deliveries/req-1\">req-1</a>", await (await _client.GetAsync("/")).Content.ReadAsStringAsync());
        var detail = await (await _client.GetAsync("/deliveries/req-1")).Content.ReadAsStringAsync();
        Assert.Contains("issues.opened, attempt 1", detail);
        Assert.Contains("social post request has 3 problems", detail);
        Assert.Contains("<li>add labels to acme/customer#12: request: social-post, needs-info</li>", detail);
        // The comment the requester would read, whole, not only its first line.
        var text = Regex.Match(detail, "<pre class=\"text\">(.*?)</pre>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("@requester, please edit the issue description", text, StringComparison.Ordinal);
        Assert.Contains("**Content type** is missing.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", detail);
    }

    [Fact]
    public async Task A_dead_letter_is_shown_with_its_error_and_the_retry_button_queues_it_again()
    {
        await _bot.PostAsync("star", "star-1", """{"action":"created","starred_at":null}"""u8.ToArray());
        await _bot.DrainAsync();
        await SignIn();
        var html = await (await _client.GetAsync("/")).Content.ReadAsStringAsync();
        Assert.Contains("1 dead letters", html);
        Assert.Contains("InvalidOperationException: the fake failed once", html);

        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync("/deliveries/star-1/retry", new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal("/", (await Post("/deliveries/star-1/retry", "/")).Headers.Location!.OriginalString);
        await _bot.DrainAsync();

        Assert.Equal("starred, at last", (await _bot.Inbox.ReadAuditAsync("star-1")).Last().Outcome);
        Assert.Contains("0 dead letters", await (await _client.GetAsync("/")).Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();
}

using System.Net;
using System.Net.Http.Headers;
using MarketingBot.Intake;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace MarketingBot.Tests.Hardening;

/// <summary>Unsigned senders cannot make the intake take memory it has not received, nor more than its budget.</summary>
public sealed class IntakeBudgetTests
{
    private const int Kilobyte = 1024;

    [Fact]
    public async Task Stalled_senders_hold_only_what_they_sent_and_past_the_budget_new_deliveries_get_503_with_Retry_After()
    {
        await using var bot = new BotFactory(new() { ["Bot:IntakeBufferBytes"] = (1024 * Kilobyte).ToString() });
        // Real Kestrel on 127.0.0.1, so a body arrives byte by byte as sent (the in-memory test server buffers it).
        bot.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        bot.StartServer();
        // A plain client, as GitHub's: the factory's own handlers buffer each body before sending it.
        using var client = new HttpClient { BaseAddress = bot.ClientOptions.BaseAddress };
        var budget = bot.Services.GetRequiredService<IntakeBudget>();
        var resume = new TaskCompletionSource();
        // Three senders promise 2 MB each, send 300 KB, and stall.
        var stalled = Enumerable.Range(0, 3).Select(i => client.SendAsync(Delivery($"stalled-{i}", new StalledBody(300 * Kilobyte, 2048 * Kilobyte, resume.Task)))).ToList();
        Assert.True(await Eventually.UntilAsync(() => budget.Held >= 3 * 300 * Kilobyte), $"held {budget.Held}");
        // What they sent, in 64 KB chunks: not the 6 MB they declared.
        Assert.InRange(budget.Held, 3 * 300 * Kilobyte, 3 * 364 * Kilobyte);

        var body = Payloads.IssueEvent("opened", 1, "I_1", body: new string('x', 200 * Kilobyte));
        var refused = await client.SendAsync(Delivery("legit-1", new ByteArrayContent(body), Signing.Sign(BotFactory.Secret, body)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("send this one again", await refused.Content.ReadAsStringAsync());

        resume.SetResult();
        // Each is refused: unsigned, or (their 6 MB together being past the budget) told to come back later.
        Assert.All(await Task.WhenAll(stalled), r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.ServiceUnavailable }));
        Assert.Equal(0, budget.Held);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Delivery("legit-1", new ByteArrayContent(body), Signing.Sign(BotFactory.Secret, body)))).StatusCode);
        Assert.Equal(0, budget.Held);
    }

    private static HttpRequestMessage Delivery(string guid, HttpContent content, string signature = "sha256=0000000000000000000000000000000000000000000000000000000000000000")
    {
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/github/webhooks") { Content = content };
        request.Headers.Add("X-GitHub-Event", "issues");
        request.Headers.Add("X-GitHub-Delivery", guid);
        request.Headers.Add("X-Hub-Signature-256", signature);
        return request;
    }

    /// <summary>A body that declares <paramref name="declared"/> bytes, sends <paramref name="first"/>, and sends the rest only once told to.</summary>
    private sealed class StalledBody(int first, int declared, Task resume) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(new byte[first]);
            await stream.FlushAsync();
            await resume;
            await stream.WriteAsync(new byte[declared - first]);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = declared;
            return true;
        }
    }
}

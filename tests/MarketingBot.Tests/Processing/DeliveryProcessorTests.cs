using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using MarketingBot.Processing;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Octokit.Webhooks.Events;

namespace MarketingBot.Tests.Processing;

public partial class DeliveryProcessorTests
{
    /// <summary>Records the order it sees each issue's events in, and how many run at once.</summary>
    private sealed partial class RecordingHandler : IDeliveryHandler
    {
        private int _running;
        public ConcurrentDictionary<int, ConcurrentQueue<int>> SeenByIssue { get; } = new();
        public int MostAtOnce;

        public async Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref MostAtOnce, now);
            var issue = ((IssuesEvent)delivery.Payload!).Issue;
            await Task.Delay(Random.Shared.Next(1, 15), cancellationToken);
            SeenByIssue.GetOrAdd((int)issue.Number, _ => new()).Enqueue(int.Parse(Sequence().Match(issue.Body!).Groups[1].Value));
            Interlocked.Decrement(ref _running);
            return Decision.Nothing("recorded");
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }

        [GeneratedRegex(@"Sequence (\d+)")]
        private static partial Regex Sequence();
    }

    /// <summary>Fails until told to succeed.</summary>
    private sealed class FlakyHandler : IDeliveryHandler
    {
        public volatile bool Broken = true;
        public int Calls;

        public Task<Decision> HandleAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Broken ? throw new InvalidOperationException("the fake is broken") : Task.FromResult(Decision.Nothing("fixed"));
        }
    }

    private static BotFactory BotWith(IDeliveryHandler handler, Dictionary<string, string?>? settings = null) =>
        new(settings, services =>
        {
            services.AddKeyedSingleton("issues.opened", handler);
            services.AddKeyedSingleton("issues.edited", handler);
        });

    [Fact]
    public async Task While_the_intake_is_saturated_processing_waits_its_pause_and_then_goes_on()
    {
        var handler = new RecordingHandler();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bot = new BotFactory(null, services =>
        {
            services.AddKeyedSingleton<IDeliveryHandler>("issues.opened", handler);
            services.AddSingleton<TimeProvider>(time);
        });
        var signal = bot.Services.GetRequiredService<DeliverySignal>();
        var burst = Enumerable.Range(0, DeliverySignal.BusyAt).Select(_ => signal.Receive()).ToList();
        Assert.True(signal.IntakeBusy);

        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "during-burst", Payloads.IssueEvent("opened", 1, "I_1"))).StatusCode);
        await Task.Delay(300);
        Assert.Empty(handler.SeenByIssue);
        Assert.Equal(1, await bot.Inbox.CountWaitingAsync());

        time.Advance(DeliveryProcessor.BusyIntakePause);
        await bot.DrainAsync();
        Assert.Equal([0], Assert.Single(handler.SeenByIssue).Value);

        foreach (var receiving in burst) receiving.Dispose();
        Assert.False(signal.IntakeBusy);
        // The pause the processor began while the burst still ran ends; no other follows.
        time.Advance(DeliveryProcessor.BusyIntakePause);
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "after-burst", Payloads.IssueEvent("opened", 2, "I_2"))).StatusCode);
        await bot.DrainAsync();
        Assert.Equal(2, handler.SeenByIssue.Count);
    }

    [Fact]
    public async Task Events_of_one_issue_are_applied_in_order_and_different_issues_in_parallel()
    {
        var handler = new RecordingHandler();
        await using var bot = BotWith(handler, new() { ["Bot:Workers"] = "4" });
        for (var sequence = 0; sequence < 12; sequence++)
        {
            for (var issue = 1; issue <= 4; issue++)
            {
                var response = await bot.PostAsync("issues", $"d-{issue}-{sequence}", Payloads.IssueEvent("edited", issue, $"I_{issue}", sequence: sequence));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }
        await bot.DrainAsync();

        Assert.Equal(4, handler.SeenByIssue.Count);
        foreach (var (_, seen) in handler.SeenByIssue) Assert.Equal(Enumerable.Range(0, 12), seen);
        Assert.True(handler.MostAtOnce > 1, "different issues should be processed at the same time");
    }

    [Fact]
    public async Task A_failure_is_retried_and_after_the_last_attempt_dead_lettered()
    {
        var handler = new FlakyHandler();
        await using var bot = BotWith(handler, new() { ["Bot:MaxAttempts"] = "3" });
        await bot.PostAsync("issues", "d-flaky", Payloads.IssueEvent("opened", 1, "I_1"));
        await bot.DrainAsync();

        var audit = await bot.Inbox.ReadAuditAsync("d-flaky");
        Assert.Equal(["failed, will retry", "failed, will retry", "dead-lettered"], audit.Select(a => a.Outcome));
        Assert.Equal([1, 2, 3], audit.Select(a => a.Attempt));
        Assert.All(audit, a => Assert.Contains("the fake is broken", a.Error));
        Assert.Equal(1, (await bot.Inbox.CountAsync()).Dead);
    }

    [Fact]
    public async Task A_redelivery_of_a_failed_delivery_is_processed_but_a_redelivery_of_a_done_one_is_not()
    {
        var handler = new FlakyHandler();
        await using var bot = BotWith(handler, new() { ["Bot:MaxAttempts"] = "1" });
        var body = Payloads.IssueEvent("opened", 1, "I_1");
        await bot.PostAsync("issues", "d-redeliver", body);
        await bot.DrainAsync();
        Assert.Equal(1, (await bot.Inbox.CountAsync()).Dead);

        handler.Broken = false;
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "d-redeliver", body)).StatusCode);
        await bot.DrainAsync();
        Assert.Equal(HttpStatusCode.OK, (await bot.PostAsync("issues", "d-redeliver", body)).StatusCode);
        await bot.DrainAsync();

        Assert.Equal(["dead-lettered", "fixed"], (await bot.Inbox.ReadAuditAsync("d-redeliver")).Select(a => a.Outcome));
        Assert.Equal(2, handler.Calls);
        Assert.Equal(new InboxCounts(0, 0, 1, 0), await bot.Inbox.CountAsync());
    }

    [Fact]
    public async Task An_event_with_no_route_is_recorded_as_ignored()
    {
        await using var bot = new BotFactory();
        await bot.PostAsync("star", "d-star", """{"action":"created","starred_at":"2026-11-02T10:00:00Z"}"""u8.ToArray());
        await bot.DrainAsync();
        var entry = Assert.Single(await bot.Inbox.ReadAuditAsync("d-star"));
        Assert.Equal("ignored: MarketingBot has no handler for star.created", entry.Outcome);
    }
}

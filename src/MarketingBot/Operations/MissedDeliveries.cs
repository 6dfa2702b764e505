using MarketingBot.Configuration;
using MarketingBot.GitHub;
using MarketingBot.Health;
using MarketingBot.Storage;
using Microsoft.Extensions.Options;
using Octokit;

namespace MarketingBot.Operations;

/// <summary>What a recovery run found and did.</summary>
public sealed record RecoveryReport(DateTimeOffset At, string Outcome, int Checked, int Redelivered);

/// <summary>
/// GitHub does not retry a failed delivery; it keeps it three days. At start-up and every
/// <c>Bot__RecoveryInterval</c> the bot lists the App's deliveries since its last look
/// (<c>GET /app/hook/deliveries</c>, newest first, 100 a page) and asks GitHub to redeliver
/// (<c>POST /app/hook/deliveries/{id}/attempts</c>) each GUID that has no successful attempt
/// and never reached the inbox.
/// </summary>
public sealed partial class MissedDeliveries(
    IServiceProvider services, Inbox inbox, IOptions<BotSettings> settings, DryRunMode dryRun, TimeProvider time, BackgroundLoops loops,
    ILogger<MissedDeliveries> logger)
    : BackgroundService
{
    /// <summary>GitHub keeps deliveries for three days and refuses to redeliver older ones.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(3);

    private DateTimeOffset? _lastLook;

    public RecoveryReport? LastRun { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => dryRun.IsOn || !settings.Value.RecoverMissedDeliveries
        ? Task.CompletedTask
        : loops.EveryAsync("missed-deliveries", settings.Value.RecoveryInterval, runAtStart: true, RunAsync, stoppingToken);

    /// <summary>One look; a failure is kept as the last run (for <c>/readyz</c>) and thrown to the caller.</summary>

    public async Task<RecoveryReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var since = _lastLook is { } last && last > started - Window ? last - TimeSpan.FromMinutes(5) : started - Window + TimeSpan.FromMinutes(5);
        RecoveryReport report;
        try
        {
            var connection = services.GetRequiredService<GitHubClients>().ForApp().Connection;
            var attempts = new List<HookDelivery>();
            var next = new Uri("app/hook/deliveries?per_page=100", UriKind.Relative);
            while (next is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = await connection.Get<List<HookDelivery>>(next, null);
                attempts.AddRange(page.Body);
                // Newest first: once a page reaches back past the last look, older pages were seen before.
                next = page.Body.Count > 0 && page.Body.Min(d => d.DeliveredAt) > since ? page.HttpResponse.ApiInfo.GetNextPageUrl() : null;
            }
            var redelivered = 0;
            foreach (var guid in attempts.Where(a => a.DeliveredAt > since).GroupBy(a => a.Guid))
            {
                if (guid.Any(a => a.StatusCode is >= 200 and < 300) || await inbox.HasDeliveryAsync(guid.Key)) continue;
                var latest = guid.MaxBy(a => a.DeliveredAt)!;
                await connection.Post(new Uri($"app/hook/deliveries/{latest.Id}/attempts", UriKind.Relative));
                redelivered++;
                LogRedelivered(logger, guid.Key, latest.Event, latest.StatusCode);
            }
            _lastLook = started;
            report = new RecoveryReport(started, "checked", attempts.Select(a => a.Guid).Distinct().Count(), redelivered);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LastRun = new RecoveryReport(started, $"failed: {ex.Message}", 0, 0);
            throw;
        }
        LastRun = report;
        return report;
    }

    /// <summary>One attempt at one delivery, as GitHub lists it (Octokit's serializer maps <c>delivered_at</c> to <c>DeliveredAt</c>).</summary>
    public sealed class HookDelivery
    {
        public long Id { get; set; }
        public string Guid { get; set; } = "";
        public DateTimeOffset DeliveredAt { get; set; }
        public int StatusCode { get; set; }
        public string Event { get; set; } = "";
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Delivery {Guid} ({Event}) never reached the bot (GitHub got {Status}); asked GitHub to redeliver it")]
    private static partial void LogRedelivered(ILogger logger, string guid, string @event, int status);
}

using MarketingBot.Configuration;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Storage;
using MarketingBot.Telemetry;
using Microsoft.Extensions.Options;

namespace MarketingBot.Processing;

/// <summary>
/// Claims stored deliveries and drives each through its handler and the effect executor.
/// Different issues run in parallel (<c>Bot__Workers</c>); the inbox never hands out a delivery
/// while an earlier one for the same issue waits or runs. A failure is retried with backoff and
/// jitter, at GitHub's pace when it asked for one, and dead-lettered after the last attempt.
/// While the intake is saturated, processing steps back (<see cref="BusyIntakePause"/>).
/// </summary>
public sealed partial class DeliveryProcessor(
    Inbox inbox,
    DeliverySignal signal,
    IServiceScopeFactory scopes,
    IEffectExecutor effects,
    DryRunMode dryRun,
    IOptions<BotSettings> settings,
    TimeProvider time,
    BotMetrics metrics,
    ILogger<DeliveryProcessor> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DepthInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// While GitHub sends faster than the machine answers, processing takes at most one round of claims per
    /// pause: the deliveries are safe in the inbox, and every core-second it leaves to the intake is answers
    /// GitHub gets in time instead of timeouts and redeliveries. The backlog is worked off at full speed after.
    /// </summary>
    internal static readonly TimeSpan BusyIntakePause = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var requeued = await inbox.RequeueInterruptedAsync();
        if (requeued > 0) LogRequeued(logger, requeued);
        var workers = Math.Max(1, settings.Value.Workers);
        var running = new HashSet<Task>();
        var depthCounted = 0L;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (signal.IntakeBusy) await Task.Delay(BusyIntakePause, time, stoppingToken);
                var wake = signal.Next;
                var claimed = running.Count < workers ? await inbox.ClaimReadyAsync(workers - running.Count) : [];
                foreach (var delivery in claimed) running.Add(Task.Run(() => ProcessAsync(delivery, stoppingToken), CancellationToken.None));
                // Counting a long backlog takes a while, so the depth gauge is refreshed once a second, not every claim.
                if (time.GetElapsedTime(depthCounted) >= DepthInterval)
                {
                    metrics.QueueDepth(await inbox.CountWaitingAsync());
                    depthCounted = time.GetTimestamp();
                }
                if (claimed.Count > 0 && running.Count < workers) continue;
                await Task.WhenAny([.. running, wake, Task.Delay(PollInterval, time, stoppingToken)]);
                running.RemoveWhere(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Work cut short by shutdown stays "in progress" and is requeued at the next start.
        await Task.WhenAll(running);
    }

    private async Task ProcessAsync(ClaimedDelivery stored, CancellationToken stoppingToken)
    {
        using var activity = BotMetrics.Activities.StartActivity("process delivery");
        activity?.SetTag("github.event", stored.Name);
        activity?.SetTag("github.delivery", stored.Guid);
        var started = time.GetTimestamp();
        try
        {
            var delivery = WebhookDelivery.From(stored);
            await using var scope = scopes.CreateAsyncScope();
            var decision = await EventRoutes.Resolve(scope.ServiceProvider, stored.Event, stored.Action).HandleAsync(delivery, stoppingToken);
            await effects.ApplyAsync(stored.InstallationId, decision.Effects, stoppingToken);
            await inbox.CompleteAsync(stored, decision.Outcome, dryRun.IsOn, decision.Effects.Select(e => e.Describe()).ToArray());
            metrics.DeliveryProcessed(stored.Event, time.GetElapsedTime(started));
            LogProcessed(logger, stored.Name, stored.Guid, decision.Outcome, decision.Effects.Count);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            var retryAt = RetrySchedule.NextAttempt(stored.Attempt, settings.Value.MaxAttempts, settings.Value.RetryBaseDelay,
                settings.Value.RetryMaxDelay, time.GetUtcNow(), Random.Shared.NextDouble(), (ex as GitHubRateLimitedException)?.RetryAt);
            await inbox.FailAsync(stored, retryAt, dryRun.IsOn, $"{ex.GetType().Name}: {ex.Message}");
            metrics.DeliveryFailed(stored.Event, dead: retryAt is null);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            if (retryAt is { } at) LogRetry(logger, ex, stored.Name, stored.Guid, stored.Attempt, at);
            else LogDead(logger, ex, stored.Name, stored.Guid, stored.Attempt);
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "{Count} deliveries were in progress when the bot last stopped; they are queued again.")]
    private static partial void LogRequeued(ILogger logger, int count);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Processed {Event} {Delivery}: {Outcome} ({EffectCount} effects)")]
    private static partial void LogProcessed(ILogger logger, string @event, string delivery, string outcome, int effectCount);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "{Event} {Delivery} failed on attempt {Attempt}; retrying at {RetryAt:O}")]
    private static partial void LogRetry(ILogger logger, Exception exception, string @event, string delivery, int attempt, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 403, Level = LogLevel.Error, Message = "{Event} {Delivery} failed on its last attempt ({Attempt}) and is dead-lettered")]
    private static partial void LogDead(ILogger logger, Exception exception, string @event, string delivery, int attempt);
}

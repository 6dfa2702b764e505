using MarketingBot.Configuration;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Health;
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
    BackgroundLoops loops,
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

    private const string Component = "processing";

    /// <summary>Processing is what the bot is for: it tries a failing database again at least this often.</summary>
    private static readonly TimeSpan MaxFailureWait = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Once per start, before any claim: a restart of the loop must not requeue deliveries its own workers still run.
        await loops.SuperviseAsync(Component, async ct =>
        {
            var requeued = await inbox.RequeueInterruptedAsync();
            if (requeued > 0) LogRequeued(logger, requeued);
        }, stoppingToken);
        if (dryRun.HoldsDeliveries)
        {
            LogHolding(logger, dryRun.Reason);
            return;
        }
        var workers = Math.Max(1, settings.Value.Workers);
        var running = new HashSet<Task>();
        var depthCounted = 0L;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (signal.IntakeBusy) await Task.Delay(BusyIntakePause, time, stoppingToken);
                var wake = signal.Next;
                IReadOnlyList<ClaimedDelivery> claimed;
                try
                {
                    claimed = running.Count < workers ? await inbox.ClaimReadyAsync(workers - running.Count) : [];
                    // Counting a long backlog takes a while, so the depth gauge is refreshed once a second, not every claim.
                    if (time.GetElapsedTime(depthCounted) >= DepthInterval)
                    {
                        metrics.QueueDepth(await inbox.CountWaitingAsync());
                        depthCounted = time.GetTimestamp();
                    }
                    loops.Succeeded(Component);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The database is unreachable, full or broken: the deliveries wait in it, and the intake keeps answering if it
                    // can. Tried again soon, and at once when a delivery is stored (the storage works again).
                    await Task.WhenAny(PauseAfter(ex, stoppingToken), wake);
                    continue;
                }
                foreach (var delivery in claimed) running.Add(Task.Run(() => ProcessAsync(delivery, stoppingToken), CancellationToken.None));
                if (claimed.Count > 0 && running.Count < workers) continue;
                await Task.WhenAny([.. running, wake, Task.Delay(PollInterval, time, stoppingToken)]);
                running.RemoveWhere(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Work cut short by shutdown is handed back with its attempt (see ProcessAsync).
        await Task.WhenAll(running);
    }

    private async Task ProcessAsync(ClaimedDelivery stored, CancellationToken stoppingToken)
    {
        using var activity = BotMetrics.Activities.StartActivity("process delivery");
        activity?.SetTag("github.event", stored.Name);
        activity?.SetTag("github.delivery", stored.Guid);
        var started = time.GetTimestamp();
        if (stored.Attempt > settings.Value.MaxAttempts)
        {
            // Every attempt so far ended with the process, not with an error it caught: running it again would only
            // stop the bot again (a crash loop). It waits on the dashboard, where a person can retry it.
            await RecordAsync(() => inbox.FailAsync(stored, retryAt: null, dryRun.IsOn,
                $"the bot stopped while handling this delivery on each of its {stored.Attempt - 1} attempts; not tried again (a poison delivery): retry it from the dashboard once the cause is fixed"),
                stoppingToken);
            metrics.DeliveryFailed(stored.Event, dead: true);
            LogPoison(logger, stored.Name, stored.Guid, stored.Attempt - 1);
            return;
        }
        try
        {
            var delivery = WebhookDelivery.From(stored);
            await using var scope = scopes.CreateAsyncScope();
            var decision = await EventRoutes.Resolve(scope.ServiceProvider, stored.Event, stored.Action).HandleAsync(delivery, stoppingToken);
            await effects.ApplyAsync(stored.InstallationId, decision.Effects, stoppingToken);
            await RecordAsync(() => inbox.CompleteAsync(stored, decision.Outcome, dryRun.IsOn, decision.Effects.Select(e => e.Record()).ToArray()), stoppingToken);
            metrics.DeliveryProcessed(stored.Event, time.GetElapsedTime(started));
            LogProcessed(logger, stored.Name, stored.Guid, decision.Outcome, decision.Effects.Count);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // A shutdown is not the delivery's fault: it goes back to the queue with its attempt, so deploys cannot use
            // up the attempts a poison delivery is judged by.
            await inbox.ReleaseAsync(stored);
        }
        catch (Exception ex)
        {
            var retryAt = RetrySchedule.NextAttempt(stored.Attempt, settings.Value.MaxAttempts, settings.Value.RetryBaseDelay,
                settings.Value.RetryMaxDelay, time.GetUtcNow(), Random.Shared.NextDouble(), (ex as GitHubRateLimitedException)?.RetryAt);
            await RecordAsync(() => inbox.FailAsync(stored, retryAt, dryRun.IsOn, $"{ex.GetType().Name}: {ex.Message}"), stoppingToken);
            metrics.DeliveryFailed(stored.Event, dead: retryAt is null);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            if (retryAt is { } at)
            {
                LogRetry(logger, stored.Name, stored.Guid, stored.Attempt, BackgroundLoops.Describe(ex), at);
                LogRetryDetail(logger, ex, stored.Guid);
            }
            else LogDead(logger, ex, stored.Name, stored.Guid, stored.Attempt);
        }
    }

    /// <summary>Reports a storage failure and waits the loops' backoff, at most <see cref="MaxFailureWait"/>.</summary>
    private Task PauseAfter(Exception failure, CancellationToken stoppingToken)
    {
        var wait = loops.Failed(Component, failure);
        return Task.Delay(wait < MaxFailureWait ? wait : MaxFailureWait, time, stoppingToken);
    }

    /// <summary>
    /// Writes what became of a delivery, trying until the storage takes it (a full disk, a database restarting): given
    /// up, the delivery would stay "in progress" until the next start, and its issue's later events would wait behind it.
    /// </summary>
    private async Task RecordAsync(Func<Task> write, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await write();
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException && !stoppingToken.IsCancellationRequested)
            {
                await PauseAfter(ex, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "{Count} deliveries were in progress when the bot last stopped; they are queued again.")]
    private static partial void LogRequeued(ILogger logger, int count);

    [LoggerMessage(EventId = 406, Level = LogLevel.Warning,
        Message = "Deliveries are stored and wait, unprocessed: {Reason}. Configure the GitHub App (/setup), or set Bot__DryRun=true to try the bot without one.")]
    private static partial void LogHolding(ILogger logger, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Processed {Event} {Delivery}: {Outcome} ({EffectCount} effects)")]
    private static partial void LogProcessed(ILogger logger, string @event, string delivery, string outcome, int effectCount);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "{Event} {Delivery} failed on attempt {Attempt}: {Error}; retrying at {RetryAt:O}")]
    private static partial void LogRetry(ILogger logger, string @event, string delivery, int attempt, string error, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 405, Level = LogLevel.Debug, Message = "{Delivery}: the failure's stack trace")]
    private static partial void LogRetryDetail(ILogger logger, Exception exception, string delivery);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error,
        Message = "{Event} {Delivery} was cut short by the process stopping on each of its {Attempts} attempts; dead-lettered as a poison delivery (retry it from the dashboard)")]
    private static partial void LogPoison(ILogger logger, string @event, string delivery, int attempts);

    [LoggerMessage(EventId = 403, Level = LogLevel.Error, Message = "{Event} {Delivery} failed on its last attempt ({Attempt}) and is dead-lettered")]
    private static partial void LogDead(ILogger logger, Exception exception, string @event, string delivery, int attempt);
}

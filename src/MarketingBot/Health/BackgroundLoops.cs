using System.Collections.Concurrent;
using System.Numerics;
using MarketingBot.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MarketingBot.Health;

/// <summary>
/// Keeps every background loop (processing, card polling, the planner's flush and reconcile, missed-delivery
/// recovery, the scheduler, storage upkeep) running through any exception: a webhook service that stops loses
/// every delivery GitHub sends meanwhile, and GitHub does not send them again on its own. A failure is counted,
/// shown in <c>/readyz</c> and on the dashboard with its message, and logged in one line (the stack trace at
/// Debug) at the 1st, 2nd, 4th, 8th… failure in a row, so an outage does not flood the log; the loop is tried
/// again with backoff, and the next success clears it.
/// </summary>
public sealed partial class BackgroundLoops(BotMetrics metrics, TimeProvider time, ILogger<BackgroundLoops> logger)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, LoopState> _loops = new();

    /// <summary>Each loop that has run or failed, with its last failure when it is failing.</summary>
    public IReadOnlyDictionary<string, LoopState> States => _loops;

    /// <summary>
    /// Runs <paramref name="loop"/> until the host stops. When it throws, the failure is reported and the loop is
    /// started again after a backoff (1 s doubling to 2 min); when it returns, it had nothing to do (e.g. switched off).
    /// </summary>
    public async Task SuperviseAsync(string component, Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await loop(stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var wait = Failed(component, ex);
                try
                {
                    await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="round"/> every <paramref name="interval"/> (first at once with <paramref name="runAtStart"/>,
    /// else after one interval). A round that throws is reported and the next one runs at its time; one that returns clears it.
    /// </summary>
    public Task EveryAsync(string component, TimeSpan interval, bool runAtStart, Func<CancellationToken, Task> round, CancellationToken stoppingToken) =>
        SuperviseAsync(component, async ct =>
        {
            using var timer = new PeriodicTimer(interval, time);
            if (runAtStart) await RoundAsync(component, round, ct).ConfigureAwait(false);
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false)) await RoundAsync(component, round, ct).ConfigureAwait(false);
        }, stoppingToken);

    private async Task RoundAsync(string component, Func<CancellationToken, Task> round, CancellationToken stoppingToken)
    {
        try
        {
            await round(stoppingToken).ConfigureAwait(false);
            Succeeded(component);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Failed(component, ex);
        }
    }

    /// <summary>A round of <paramref name="component"/> went through: it is healthy again.</summary>
    public void Succeeded(string component)
    {
        // Called after every round of busy loops: nothing to write while it stays healthy.
        var before = _loops.GetValueOrDefault(component);
        if (before is { Failure: null }) return;
        _loops[component] = new LoopState(time.GetUtcNow(), null, null, 0);
        if (before?.Failure is not null) LogRecovered(logger, component, before.ConsecutiveFailures);
    }

    /// <summary>A round of <paramref name="component"/> failed; returns how long to wait before the next try.</summary>
    public TimeSpan Failed(string component, Exception exception)
    {
        var now = time.GetUtcNow();
        var state = _loops.AddOrUpdate(component,
            _ => new LoopState(null, now, Describe(exception), 1),
            (_, s) => s with { FailedAt = now, Failure = Describe(exception), ConsecutiveFailures = s.ConsecutiveFailures + 1 });
        var wait = Backoff(state.ConsecutiveFailures);
        metrics.LoopFailed(component);
        if (BitOperations.IsPow2(state.ConsecutiveFailures))
        {
            LogFailed(logger, component, state.Failure!, state.ConsecutiveFailures, wait);
            LogFailureDetail(logger, exception, component);
        }
        return wait;
    }

    internal static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, FirstRetry.Ticks << Math.Min(failures - 1, 16)));

    /// <summary>The exception's type and message in one line, with its inner cause: enough to act on without a stack trace.</summary>
    internal static string Describe(Exception exception)
    {
        var text = $"{exception.GetType().Name}: {exception.Message}";
        if (exception.InnerException is { } inner && !exception.Message.Contains(inner.Message, StringComparison.Ordinal))
            text += $" ({inner.GetType().Name}: {inner.Message})";
        return text.ReplaceLineEndings(" ");
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "{Component} failed ({Failures} in a row): {Failure}; trying again in {Wait}")]
    private static partial void LogFailed(ILogger logger, string component, string failure, int failures, TimeSpan wait);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "{Component}: the failure's stack trace")]
    private static partial void LogFailureDetail(ILogger logger, Exception exception, string component);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "{Component} works again after {Failures} failures")]
    private static partial void LogRecovered(ILogger logger, string component, int failures);
}

/// <summary>Since when a background loop works or, while it is failing, its last failure.</summary>
public sealed record LoopState(DateTimeOffset? HealthySince, DateTimeOffset? FailedAt, string? Failure, int ConsecutiveFailures);

/// <summary>Ready only while no background loop is failing; each failing one is named with its cause.</summary>
public sealed class BackgroundLoopsCheck(BackgroundLoops loops) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failing = loops.States.Where(l => l.Value.Failure is not null).OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy(loops.States.Count == 0 ? "no background loop has run yet" : $"{loops.States.Count} loops running: {string.Join(", ", loops.States.Keys.Order(StringComparer.Ordinal))}")
            : HealthCheckResult.Unhealthy(string.Join("; ", failing.Select(l => $"{l.Key} failing since {l.Value.FailedAt:O} ({l.Value.ConsecutiveFailures} in a row): {l.Value.Failure}"))));
    }
}

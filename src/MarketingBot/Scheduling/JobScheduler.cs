using Cronos;
using MarketingBot.Configuration;
using MarketingBot.Health;
using MarketingBot.Storage;
using Microsoft.Extensions.Options;

namespace MarketingBot.Scheduling;

/// <summary>When the periodic jobs run (<c>Schedules__*</c>): cron expressions read in <see cref="TimeZone"/>.</summary>
public sealed class ScheduleSettings
{
    public const string Section = "Schedules";

    /// <summary>False keeps this process from running the jobs (deliveries are still processed).</summary>
    public bool Enabled { get; set; } = true;

    public string TimeZone { get; set; } = "UTC";

    /// <summary>Weekdays at 09:00.</summary>
    public string TwoHourRule { get; set; } = "0 9 * * 1-5";

    /// <summary>Weekdays at 09:00: the "Campaigns at risk" issue.</summary>
    public string CampaignsAtRisk { get; set; } = "0 9 * * 1-5";

    /// <summary>The first Thursday of each month at 09:00 (the handbook's review day).</summary>
    public string MonthlyReview { get; set; } = "0 9 * * 4#1";

    /// <summary>An occurrence missed while the bot was down is still run when it starts within this long.</summary>
    public TimeSpan CatchUp { get; set; } = TimeSpan.FromDays(1);

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary>A job the scheduler runs at each occurrence of its cron expression; it returns what it found and did.</summary>
public interface IScheduledJob
{
    string Name { get; }

    string Cron(ScheduleSettings settings);

    Task<string> RunAsync(DateTimeOffset occurrence, CancellationToken cancellationToken);
}

/// <summary>
/// Runs each scheduled job once per occurrence: the occurrence is claimed in the bot's records
/// before it runs, so a restart does not run it again (and one missed while the bot was down is
/// caught up at start). A run that failed is tried again a few minutes later, within the catch-up
/// window. Every run is recorded with its outcome. Time comes from <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class JobScheduler(
    IEnumerable<IScheduledJob> jobs, JobRuns records, IOptions<ScheduleSettings> settings, DryRunMode dryRun, TimeProvider time,
    BackgroundLoops loops, ILogger<JobScheduler> logger) : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMinutes(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (dryRun.IsOn || !settings.Value.Enabled)
        {
            LogOff(logger, dryRun.IsOn ? $"dry run: {dryRun.Reason}" : "Schedules__Enabled=false");
            return Task.CompletedTask;
        }
        return loops.SuperviseAsync("scheduler", ScheduleLoopAsync, stoppingToken);
    }

    private async Task ScheduleLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunDueAsync(stoppingToken);
                loops.Succeeded("scheduler");
                var now = time.GetUtcNow();
                var next = jobs.Select(j => Parse(j).GetNextOccurrence(now, settings.Value.Zone)).OfType<DateTimeOffset>().DefaultIfEmpty(now + MaxSleep).Min();
                // Woken at least every few minutes, so a failed run is retried and a changed clock is noticed.
                await Task.Delay(Clamp(next - now), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs every job whose latest occurrence (within the catch-up window) has not run yet; returns the outcomes.</summary>
    public async Task<IReadOnlyList<string>> RunDueAsync(CancellationToken cancellationToken)
    {
        var outcomes = new List<string>();
        var now = time.GetUtcNow();
        foreach (var job in jobs)
        {
            var due = Parse(job).GetOccurrences(now - settings.Value.CatchUp, now, settings.Value.Zone, fromInclusive: true, toInclusive: true).LastOrDefault();
            if (due == default || !await records.TryStartJobAsync(job.Name, due)) continue;
            string outcome;
            try
            {
                outcome = await job.RunAsync(due, cancellationToken);
                LogRan(logger, job.Name, due, outcome);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                outcome = $"{JobOutcome.FailedPrefix}{ex.GetType().Name}: {ex.Message}";
                LogFailed(logger, ex, job.Name, due);
            }
            await records.FinishJobAsync(job.Name, due, outcome);
            outcomes.Add($"{job.Name}: {outcome}");
        }
        return outcomes;
    }

    private CronExpression Parse(IScheduledJob job) => CronExpression.Parse(job.Cron(settings.Value));

    private static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait > MaxSleep ? MaxSleep : wait;

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Scheduled jobs are off ({Reason})")]
    private static partial void LogOff(ILogger logger, string reason);

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "Scheduled job {Job} for {Occurrence:O}: {Outcome}")]
    private static partial void LogRan(ILogger logger, string job, DateTimeOffset occurrence, string outcome);

    [LoggerMessage(EventId = 902, Level = LogLevel.Error, Message = "Scheduled job {Job} for {Occurrence:O} failed; it is tried again in a few minutes")]
    private static partial void LogFailed(ILogger logger, Exception exception, string job, DateTimeOffset occurrence);
}

public static class JobOutcome
{
    /// <summary>A run whose outcome starts so may be claimed again (see <see cref="JobRuns.TryStartJobAsync"/>).</summary>
    public const string FailedPrefix = "failed: ";
}

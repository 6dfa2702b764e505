using MarketingBot.Scheduling;

namespace MarketingBot.Reminders;

/// <summary>The two-hour rule on its schedule: every marketing tracker scanned, each tracker's outcome in the run's record.</summary>
public sealed class TwoHourJob(MarketingTrackers trackers, TwoHourScan scan) : IScheduledJob
{
    public string Name => "two-hour-rule";

    public string Cron(ScheduleSettings settings) => settings.TwoHourRule;

    public async Task<string> RunAsync(DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var outcomes = new List<string>();
        foreach (var tracker in (await trackers.FindAsync()).Where(t => t.Workflow.TwoHourRule is not null))
            outcomes.Add(await scan.RunAsync(tracker, cancellationToken));
        return outcomes.Count == 0 ? "no tracker has the two-hour rule on" : string.Join("; ", outcomes);
    }
}

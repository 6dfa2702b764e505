using MarketingBot.Configuration;
using MarketingBot.Scheduling;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.Scheduling;

/// <summary>The scheduler with a fake clock and a real SQLite file.</summary>
public sealed class JobSchedulerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Records each occurrence it is run for; fails while told to.</summary>
    private sealed class CountingJob(string cron) : IScheduledJob
    {
        public List<DateTimeOffset> Runs { get; } = [];
        public bool Fail { get; set; }
        public string Name => "review";
        public string Cron(ScheduleSettings settings) => cron;

        public Task<string> RunAsync(DateTimeOffset occurrence, CancellationToken cancellationToken)
        {
            Runs.Add(occurrence);
            return Fail ? throw new HttpRequestException("GitHub is down") : Task.FromResult("opened the review");
        }
    }

    private async Task<IReadOnlyList<string>> RunAt(DateTimeOffset now, CountingJob job, string zone = "UTC")
    {
        _time.SetUtcNow(now);
        await using var database = Database.OpenSqlite($"Data Source={_folder.File("bot.db")}", _time);
        var scheduler = new JobScheduler([job], new JobRuns(database), Options.Create(new ScheduleSettings { TimeZone = zone }), new DryRunMode(false, "test"), _time,
            TestLoops.Create(_time), NullLogger<JobScheduler>.Instance);
        return await scheduler.RunDueAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("UTC", "2026-01-01T09:00:00Z")] // January 2026 starts on a Thursday
    [InlineData("UTC", "2026-02-05T09:00:00Z")]
    [InlineData("UTC", "2026-10-01T09:00:00Z")] // so does October
    [InlineData("Europe/Amsterdam", "2026-11-05T08:00:00Z")]
    [InlineData("Europe/Amsterdam", "2026-07-02T07:00:00Z")] // summer time
    [InlineData("Pacific/Auckland", "2026-09-30T20:00:00Z")] // Thursday 1 October in Auckland is still Wednesday in UTC
    [InlineData("America/Los_Angeles", "2026-11-05T17:00:00Z")]
    public async Task The_review_runs_on_the_first_Thursday_at_nine_where_the_team_is(string zone, string expected)
    {
        var at = DateTimeOffset.Parse(expected);
        var job = new CountingJob(new ScheduleSettings().MonthlyReview);

        await RunAt(at.AddMinutes(-1), job, zone);
        Assert.Empty(job.Runs);
        await RunAt(at.AddMinutes(30), job, zone);
        Assert.Equal([at], job.Runs);
    }

    [Fact]
    public async Task An_occurrence_runs_once_even_across_a_restart()
    {
        var job = new CountingJob("0 9 * * 4#1");
        var outcomes = await RunAt(DateTimeOffset.Parse("2026-12-03T09:00:05Z"), job);
        Assert.Equal(["review: opened the review"], outcomes);

        // A new scheduler on the same file: the service restarted.
        Assert.Empty(await RunAt(DateTimeOffset.Parse("2026-12-03T09:10:00Z"), job));
        Assert.Single(job.Runs);
        await using var database = Database.OpenSqlite($"Data Source={_folder.File("bot.db")}", _time);
        var run = Assert.Single(await new JobRuns(database).ReadJobRunsAsync());
        Assert.Equal(("review", "opened the review"), (run.Job, run.Outcome));
    }

    [Fact]
    public async Task An_occurrence_missed_while_down_is_caught_up_within_a_day_and_not_after()
    {
        var job = new CountingJob("0 9 * * 1-5");
        await RunAt(DateTimeOffset.Parse("2026-11-24T15:00:00Z"), job);
        Assert.Equal([DateTimeOffset.Parse("2026-11-24T09:00:00Z")], job.Runs);

        var late = new CountingJob("0 9 * * 4#1");
        await RunAt(DateTimeOffset.Parse("2026-12-05T10:00:00Z"), late);
        Assert.Empty(late.Runs);
    }

    [Fact]
    public async Task A_failed_run_is_recorded_and_tried_again_after_five_minutes()
    {
        var job = new CountingJob("0 9 * * 4#1") { Fail = true };
        var first = await RunAt(DateTimeOffset.Parse("2026-12-03T09:00:00Z"), job);
        Assert.Equal(["review: failed: HttpRequestException: GitHub is down"], first);

        job.Fail = false;
        Assert.Empty(await RunAt(DateTimeOffset.Parse("2026-12-03T09:04:00Z"), job));
        Assert.Equal(["review: opened the review"], await RunAt(DateTimeOffset.Parse("2026-12-03T09:06:00Z"), job));
        Assert.Empty(await RunAt(DateTimeOffset.Parse("2026-12-03T09:20:00Z"), job));
        Assert.Equal(2, job.Runs.Count);
    }
}

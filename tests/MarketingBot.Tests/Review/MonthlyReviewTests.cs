using MarketingBot.Requests;
using MarketingBot.Review;
using MarketingBot.Storage;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MarketingBot.Tests.Review;

public sealed class MonthlyReviewTests
{
    private static readonly DateOnly November = new(2026, 11, 1);
    private static DateTimeOffset At(string when) => DateTimeOffset.Parse(when);

    private static RequestRecord Request(string id, string type, string opened, bool? valid = true, string? publish = null, string? completed = null) =>
        new(id, "acme/customer", int.Parse(id[2..]), type, At(opened), valid, publish is null ? null : DateOnly.Parse(publish), completed is null ? null : At(completed));

    private static readonly ReviewRecords Records = new(
        [
            Request("I_1", "Social post request", "2026-11-02T09:00:00Z", publish: "2026-11-20", completed: "2026-11-19T10:00:00Z"),
            Request("I_2", "Social post request", "2026-11-03T09:00:00Z", valid: false, publish: "2026-11-10"),
            Request("I_3", "Blog post request", "2026-11-04T09:00:00Z", publish: "2026-12-01"),
            Request("I_4", "Demo request", "2026-10-20T09:00:00Z", valid: null, completed: "2026-11-05T09:00:00Z"),
            Request("I_5", "Demo request", "2026-12-01T09:00:00Z"),
        ],
        [
            new("I_1", "No Status", At("2026-11-02T09:00:00Z")), new("I_1", "Todo", At("2026-11-03T09:00:00Z")),
            new("I_1", "In Progress", At("2026-11-05T09:00:00Z")), new("I_1", "Done", At("2026-11-19T10:00:00Z")),
            new("I_2", "No Status", At("2026-11-03T09:00:00Z")), new("I_2", "Todo", At("2026-11-04T21:00:00Z")),
            new("I_3", "No Status", At("2026-11-04T09:00:00Z")),
        ],
        (Sent: 4, Resolved: 3));

    [Fact]
    public void Last_months_figures_come_from_the_bots_records()
    {
        var figures = MonthlyReview.Compute(November, TimeZoneInfo.Utc, Records, approvedColumn: "Todo", doneColumn: "Done");

        Assert.Equal([("Social post request", 2), ("Blog post request", 1)], figures.OpenedByType);
        Assert.Equal((2, 3), (figures.ValidWhenOpened, figures.SeenOpening));
        Assert.Equal([TimeSpan.FromDays(1), TimeSpan.FromHours(36)], figures.OpenedToApproved.Order());
        Assert.Equal([TimeSpan.FromHours(17 * 24 + 1), TimeSpan.FromDays(16)], figures.OpenedToDone.OrderDescending());
        Assert.Equal(["I_2"], figures.Overdue.Select(r => r.NodeId));
        Assert.Equal((4, 3), (figures.NagsSent, figures.NagsResolved));
        Assert.Equal([("No Status", TimeSpan.FromDays(1), 2), ("In Progress", TimeSpan.FromHours(14 * 24 + 1), 1), ("Todo", TimeSpan.FromDays(2), 1)],
            figures.TimeInColumn);
    }

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        var hours = Enumerable.Range(1, 10).Select(h => TimeSpan.FromHours(h)).ToList();
        Assert.Equal(TimeSpan.FromHours(5), MonthlyReview.Median(hours));
        Assert.Equal(TimeSpan.FromHours(9), MonthlyReview.Percentile(hours, 0.9));
        Assert.Equal(TimeSpan.FromHours(1), MonthlyReview.Percentile([TimeSpan.FromHours(1)], 0.9));
    }

    [Theory]
    [InlineData("2026-12-03T09:00:00Z", "UTC", "2026-11-01")]
    [InlineData("2027-01-07T09:00:00Z", "UTC", "2026-12-01")]
    [InlineData("2026-09-30T20:00:00Z", "Pacific/Auckland", "2026-09-01")] // 1 October in Auckland: September's review
    public void The_review_covers_the_month_before_where_the_team_is(string occurrence, string zone, string month) =>
        Assert.Equal(DateOnly.Parse(month), MonthlyReview.MonthBefore(At(occurrence), TimeZoneInfo.FindSystemTimeZoneById(zone)));

    [Fact]
    public void The_review_issue_has_the_handbooks_two_parts_the_figures_and_a_chart()
    {
        var body = MonthlyReview.Render(MonthlyReview.Compute(November, TimeZoneInfo.Utc, Records, "Todo", "Done"), WorkflowFile.Default.Review!.Checklist);

        Assert.StartsWith(MonthlyReview.Marker(November), body);
        Assert.Contains("## Part 1: dashboard metrics", body);
        // The handbook's checklist, in no company's words, and nothing addressed to developers.
        Assert.DoesNotContain("FlowFuse", body);
        Assert.DoesNotContain("dotnet", body);
        Assert.Contains("- [ ] Marketing qualified leads", body);
        Assert.Contains("## Part 2: campaigns and channels", body);
        Assert.Contains("- [ ] Budget: spend against plan", body);
        Assert.Contains("- Requests opened: **3** (Social post request: 2, Blog post request: 1)", body);
        Assert.Contains("- Complete when opened: **67%** (2 of 3)", body);
        Assert.Contains("- Opened → approved: median **1 day**, 90th percentile **1.5 days** (2 requests)", body);
        Assert.Contains("- Overdue (publish date this month, not done by then): **1** (acme/customer#2)", body);
        Assert.Contains("- Two-hour reminders: **4** sent, **3** resolved", body);
        Assert.Contains("| Todo | 2 days | 1 |", body);
        Assert.Contains("```mermaid\npie title Requests opened by type\n    \"Social post request\" : 2\n", body);
    }

    [Fact]
    public async Task The_review_command_prints_the_report_from_the_records_file()
    {
        using var folder = new TempFolder();
        var connection = $"Data Source={folder.File("bot.db")}";
        await using (var database = Database.OpenSqlite(connection, TimeProvider.System))
        {
            var history = new RequestHistory(database);
            foreach (var request in Records.Requests) await history.RecordRequestAsync(request, opening: true);
        }
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:ConnectionString"] = connection }).Build();
        var output = new StringWriter();

        Assert.Equal(0, await ReviewCommand.RunAsync(["2026-11"], settings, output, new StringWriter()));
        Assert.Contains("Monthly marketing performance review for **November 2026**", output.ToString());
        Assert.Contains("- Requests opened: **3**", output.ToString());

        var errors = new StringWriter();
        Assert.Equal(2, await ReviewCommand.RunAsync(["November"], settings, new StringWriter(), errors));
        Assert.Contains("usage: MarketingBot review <yyyy-mm>", errors.ToString());
    }

    [Fact]
    public void The_checklist_is_the_teams_own_from_the_workflow_file()
    {
        var workflow = WorkflowFile.Parse("""
            base: built-in
            review:
              title: "Growth review: {month}"
              checklist:
                - title: Funnel
                  items: [Demo requests booked, Trials started]
            """, "f.yml", out var problems);
        Assert.Empty(problems);

        var body = MonthlyReview.Render(MonthlyReview.Compute(November, TimeZoneInfo.Utc, Records, "Todo", "Done"), workflow!.Review!.Checklist);

        Assert.Contains("## Funnel\n\n- [ ] Demo requests booked\n- [ ] Trials started\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Part 1", body, StringComparison.Ordinal);
        Assert.Contains("- Requests opened: **3**", body, StringComparison.Ordinal);
    }
}

/// <summary>The review job through the whole app, with WireMock as GitHub.</summary>
public sealed class ReviewJobTests : LiveBotTest
{
    [Fact]
    public async Task The_review_issue_is_opened_once_assigned_and_not_again_when_the_job_runs_after_it_was_closed()
    {
        Live.GitHub.IsInstalled();
        var tracker = new FakeTracker(Live.GitHub.Server);
        await Live.DeliverAsync("opened", "o-1", LiveBot.ShortRequestBody);
        var job = Live.Bot.Services.GetRequiredService<ReviewJob>();

        var outcome = await job.RunAsync(DateTimeOffset.Parse("2026-12-03T09:00:00Z"), CancellationToken.None);

        var review = Assert.Single(tracker.Created);
        Assert.Equal("Marketing performance review: November 2026", review["title"]!.GetValue<string>());
        Assert.Contains("- Requests opened: **1** (Social post request: 1)", review["body"]!.GetValue<string>());
        Assert.Contains("review of 2026-11 (1 requests opened)", outcome);

        review["state"] = "closed";
        await job.RunAsync(DateTimeOffset.Parse("2026-12-03T09:00:00Z"), CancellationToken.None);
        Assert.Single(tracker.Created);
    }

}

using MarketingBot.Reminders;

namespace MarketingBot.Tests.Reminders;

public sealed class TaskLinesTests
{
    [Theory]
    [InlineData("Write the launch post (3h)", 3.0, "Write the launch post")]
    [InlineData("Write the launch post (3 hours)", 3.0, "Write the launch post")]
    [InlineData("Record the demo ~3h", 3.0, "Record the demo")]
    [InlineData("Record the demo ~ 2.5h", 2.5, "Record the demo")]
    [InlineData("Plan the webinar est: 1d", 8.0, "Plan the webinar")]
    [InlineData("Plan the webinar estimate=2d", 16.0, "Plan the webinar")]
    [InlineData("Plan the webinar (est: 4h)", 4.0, "Plan the webinar")]
    [InlineData("Edit the video 90m", 1.5, "Edit the video")]
    [InlineData("Edit the video, 150 min", 2.5, "Edit the video")]
    [InlineData("Translate the page (1.5d)", 12.0, "Translate the page")]
    [InlineData("Read 3 blog posts", null, "Read 3 blog posts")]
    [InlineData("Update v2.5h notes", null, "Update v2.5h notes")]
    [InlineData("Ship the #3h-campaign", null, "Ship the #3h-campaign")]
    [InlineData("Call at 10h30", null, "Call at 10h30")]
    [InlineData("Forever (99999999999999999999999999d)", null, "Forever")]
    public void Estimates_are_read_in_every_notation(string text, double? hours, string title)
    {
        Assert.Equal(hours, TaskLines.EstimateOf(text)?.TotalHours);
        Assert.Equal(title, TaskLines.WithoutEstimate(text));
    }

    [Fact]
    public void Task_lines_are_found_with_their_state_estimate_and_links_outside_code()
    {
        const string body = """
            Launch plan:
            - [ ] Write the launch post (3h)
            - [x] Book the venue (4h)
            * [ ] Record the demo ~3h #45
            - [ ] Brief the agency est: 1d acme/marketing#12
            - [ ] Design the banner (5h) https://github.com/acme/marketing/issues/9
            - [ ] Tweet it (15m)
            - plain bullet (9h)
            ```
            - [ ] Not a task (9h)
            ```
            """;
        var tasks = TaskLines.Find(body);
        Assert.Equal(
            [("Write the launch post", false, 3.0, false), ("Book the venue", true, 4.0, false), ("Record the demo #45", false, 3.0, true),
             ("Brief the agency acme/marketing#12", false, 8.0, true), ("Design the banner https://github.com/acme/marketing/issues/9", false, 5.0, true),
             ("Tweet it", false, 0.25, false)],
            tasks.Select(t => (t.Title, t.Checked, t.Estimate!.Value.TotalHours, t.LinksIssue)));
        Assert.Equal(1, tasks[0].Line);
    }

    [Fact]
    public void Linking_replaces_the_task_with_the_issue_reference_and_keeps_the_rest()
    {
        const string body = "Plan\n  - [ ] Write the launch post (3h)\n- [ ] Other";
        Assert.Equal("Plan\n  - [ ] #101\n- [ ] Other", TaskLines.Link(body, 1, "#101"));
    }

    [Theory]
    [InlineData("Friday", "2026-11-27", true)]
    [InlineData("friday", "2026-11-26", false)]
    [InlineData("2026-12-25", "2026-12-25", true)]
    [InlineData("2026-12-25", "2026-12-24", false)]
    public void Quiet_days_are_weekdays_or_dates(string quiet, string day, bool expected) =>
        Assert.Equal(expected, QuietDays.IsQuiet([quiet], DateOnly.Parse(day)));
}

using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

/// <summary>The rule kinds the built-in types do not use, on a workflow of their own.</summary>
public class RuleKindTests
{
    private static readonly DateOnly Today = new(2026, 11, 2);

    private static readonly RequestType Event = WorkflowFile.Parse("""
        requestTypes:
          - id: event
            name: Event request
            label: { name: "request: event" }
            sections:
              - { id: page, label: Landing page, kind: url, required: true }
              - { id: date, label: Event date, kind: date, required: true, minDaysAhead: 30 }
              - { id: attendees, label: Expected attendees, kind: number, min: 1, max: 500 }
              - { id: effort, label: Effort, kind: duration }
        """, "test", out _)!.RequestTypes[0];

    private static IReadOnlyList<Problem> Check(string page = "https://flowfuse.com/events/x", string date = "2026-12-15", string attendees = "120", string effort = "2d") =>
        RequestValidator.Check(Event, $"### Landing page\n{page}\n### Event date\n{date}\n### Expected attendees\n{attendees}\n### Effort\n{effort}", Today).Problems;

    [Fact]
    public void A_request_within_every_rule_passes() => Assert.Empty(Check());

    [Fact]
    public void A_date_closer_than_the_minimum_lead_time_is_an_error() =>
        Assert.Equal("**Event date**: 20 November 2026 is 18 days away; it must be at least 30 days ahead.", Assert.Single(Check(date: "2026-11-20")).Message);

    [Fact]
    public void A_number_above_the_maximum_is_an_error() =>
        Assert.Equal("**Expected attendees**: 1200 is above the maximum of 500.", Assert.Single(Check(attendees: "1,200")).Message);

    [Fact]
    public void A_single_link_field_refuses_two() =>
        Assert.Equal("**Landing page**: give one link, not 2.", Assert.Single(Check(page: "https://a.example/x https://b.example/y")).Message);

    [Fact]
    public void A_duration_that_is_not_one_is_an_error() =>
        Assert.Equal("**Effort**: `a while` is not a duration. Write it like `3h`, `90m` or `2d`.", Assert.Single(Check(effort: "a while")).Message);
}

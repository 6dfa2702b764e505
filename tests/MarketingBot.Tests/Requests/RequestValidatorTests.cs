using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

public class RequestValidatorTests
{
    private static readonly DateOnly Today = new(2026, 11, 2);
    private static readonly Workflow Workflow = WorkflowFile.Default;

    private static RequestType Type(string id) => Workflow.RequestTypes.Single(t => t.Id == id);

    private static string Form(params (string Label, string Answer)[] fields) =>
        string.Join("\n\n", fields.Select(f => $"### {f.Label}\n\n{f.Answer}"));

    private static string ValidSocialPost(string contentType = "Release post", string channels = "- [X] LinkedIn\n- [X] Discord",
        string links = "https://flowfuse.com/blog/2026/11/release-2-5/", string cta = "Upgrade today", string hashtags = "#FlowFuse #NodeRED #IIoT",
        string date = "2026-12-01") =>
        Form(("What should we share?", "FlowFuse 2.5 is out"), ("Content type", contentType), ("Channels", channels), ("Links", links),
            ("Visual ideas", "_No response_"), ("Call to action", cta), ("Hashtags", hashtags), ("Publish date", date), ("Campaign", "_No response_"));

    [Fact]
    public void A_complete_social_post_request_has_no_problems()
    {
        var check = RequestValidator.Check(Type("social-post"), ValidSocialPost(), Today);
        Assert.Empty(check.Problems);
        Assert.True(check.IsComplete);
    }

    private static readonly Dictionary<string, (string Label, string Answer)[]> CompleteRequests = new()
    {
        ["blog-post"] = [("Working title", "Ten flows"), ("Audience", "Plant engineers"), ("Key message", "Flows are easy"), ("Call to action", "Try it")],
        ["demo"] = [("What to demonstrate", "Device agent"), ("Audience", "Prospects"), ("Date needed", "15 December 2026")],
        ["campaign-brief"] = [("Objectives", "o"), ("KPIs", "k"), ("Target segments", "s"), ("Tactics and channels", "t"), ("Deliverables", "d"),
            ("Timeline", "Q1"), ("Acceptance criteria", "a"), ("Budget", "€12,500")],
        ["vendor-sow"] = [("Issues and challenges", "i"), ("Objectives", "o"), ("Requirements", "r"), ("Deliverables and expected results", "d"),
            ("Timeline", "t"), ("Brand guidelines and company policy", "b"), ("Supporting materials", "https://example.com/brief.pdf")],
    };

    [Theory]
    [InlineData("blog-post")]
    [InlineData("demo")]
    [InlineData("campaign-brief")]
    [InlineData("vendor-sow")]
    public void Each_type_accepts_a_complete_request(string type)
    {
        Assert.Empty(RequestValidator.Check(Type(type), Form(CompleteRequests[type]), Today).Problems);
    }

    [Theory]
    [InlineData("blog-post", "Key message")]
    [InlineData("demo", "Date needed")]
    [InlineData("campaign-brief", "Acceptance criteria")]
    [InlineData("vendor-sow", "Brand guidelines and company policy")]
    public void Each_type_names_a_missing_required_section(string type, string missing)
    {
        var body = Form(CompleteRequests[type].Where(f => f.Label != missing).ToArray());
        var error = Assert.Single(RequestValidator.Check(Type(type), body, Today).Errors);
        Assert.StartsWith($"**{missing}** is missing.", error.Message);
    }

    [Fact]
    public void Missing_required_sections_say_what_to_give()
    {
        var check = RequestValidator.Check(Type("social-post"), "### What should we share?\n\nOur launch", Today);
        Assert.Equal(["Content type", "Channels", "Call to action"], check.Errors.Select(e => e.Section));
        Assert.Contains("Choose one of: Blog post, Release post", check.Errors.First().Message);
        Assert.Contains("Tick one or more of: LinkedIn", check.Errors.ElementAt(1).Message);
    }

    [Theory]
    [InlineData("Blog post", "- [X] LinkedIn\n- [X] Discord", "Discord does not suit a Blog post. A Blog post goes on LinkedIn, Facebook")]
    [InlineData("New hire", "Facebook, YouTube, LinkedIn", "Facebook, YouTube do not suit a New hire. A New hire goes on LinkedIn, Discord")]
    [InlineData("Long format video", "LinkedIn", "LinkedIn does not suit a Long format video")]
    public void The_channel_matrix_refuses_channels_that_do_not_suit_the_content(string content, string channels, string expected)
    {
        var check = RequestValidator.Check(Type("social-post"), ValidSocialPost(content, channels, links: "https://flowfuse.com/x"), Today);
        Assert.Contains(expected, Assert.Single(check.Errors).Message);
    }

    [Theory]
    [InlineData("Meme", "LinkedIn, Facebook, YouTube, Discord, Reddit")]
    [InlineData("Event", "- [x] node-red slack\n- [x] NODE-RED DISCOURSE")]
    public void Channels_that_suit_the_content_pass_whatever_their_case(string content, string channels)
    {
        Assert.Empty(RequestValidator.Check(Type("social-post"), ValidSocialPost(content, channels), Today).Problems);
    }

    [Fact]
    public void Links_are_required_for_a_blog_post_but_not_for_a_meme()
    {
        var blog = RequestValidator.Check(Type("social-post"), ValidSocialPost("Blog post", "LinkedIn", links: "_No response_"), Today);
        Assert.Equal("**Links** is needed for a content type of Blog post. Paste the link (https://…).", Assert.Single(blog.Errors).Message);
        Assert.Empty(RequestValidator.Check(Type("social-post"), ValidSocialPost("Meme", "Reddit", links: "_No response_"), Today).Problems);
    }

    [Theory]
    [InlineData("flowfuse.com/blog", "is not a web link")]
    [InlineData("javascript:alert(1)", "is not a web link")]
    [InlineData("[the post](ftp://flowfuse.com/x)", "is not a web link")]
    public void Links_must_be_web_addresses(string links, string expected)
    {
        var check = RequestValidator.Check(Type("social-post"), ValidSocialPost(links: links), Today);
        Assert.Contains(expected, Assert.Single(check.Errors).Message);
    }

    [Fact]
    public void A_markdown_link_and_an_angle_bracket_link_are_both_read()
    {
        var check = RequestValidator.Check(Type("social-post"), ValidSocialPost(links: "- [Post](https://flowfuse.com/a)\n- <https://flowfuse.com/b>"), Today);
        Assert.Empty(check.Problems);
    }

    [Fact]
    public void An_unknown_content_type_and_two_content_types_are_refused()
    {
        Assert.Contains("`Podcast` is not one we know", Assert.Single(RequestValidator.Check(Type("social-post"), ValidSocialPost("Podcast", "LinkedIn"), Today).Errors).Message);
        Assert.Contains("pick one, not 2", RequestValidator.Check(Type("social-post"), ValidSocialPost("Meme\nEvent", "LinkedIn"), Today).Errors.First().Message);
    }

    [Fact]
    public void Exactly_one_call_to_action()
    {
        var check = RequestValidator.Check(Type("social-post"), ValidSocialPost(cta: "- Sign up\n- Star us on GitHub"), Today);
        Assert.Equal("**Call to action**: give exactly one, not 2. Keep the one that matters most.", Assert.Single(check.Errors).Message);
    }

    [Fact]
    public void More_than_three_hashtags_is_a_warning_not_an_error()
    {
        var check = RequestValidator.Check(Type("social-post"), ValidSocialPost(hashtags: "#a #b, #c\n#d"), Today);
        Assert.True(check.IsComplete);
        Assert.Contains("4 is more than the 3", Assert.Single(check.Warnings).Message);
    }

    [Theory]
    [InlineData("2026-11-01", Severity.Error, "has already passed")]
    [InlineData("10 November 2026", Severity.Warning, "is only 8 days away")]
    [InlineData("Nov 3rd, 2026", Severity.Warning, "is only 1 day away")]
    [InlineData("next Friday", Severity.Error, "is not a date we can read")]
    [InlineData("01/12/2026", Severity.Error, "is not a date we can read")]
    public void Publish_dates_in_the_past_are_errors_and_soon_ones_warnings(string date, Severity severity, string expected)
    {
        var problem = Assert.Single(RequestValidator.Check(Type("social-post"), ValidSocialPost(date: date), Today).Problems);
        Assert.Equal(severity, problem.Severity);
        Assert.Contains(expected, problem.Message);
    }

    [Theory]
    [InlineData("2026-12-01")]
    [InlineData("1 December 2026")]
    [InlineData("December 1, 2026")]
    [InlineData("Tuesday, 1 December 2026")]
    [InlineData("Dec 1st 2026")]
    [InlineData("2026-12-01T09:30:00Z")]
    public void Written_and_ISO_dates_read_the_same(string text)
    {
        Assert.True(Answers.TryParseDate(text, out var date));
        Assert.Equal(new DateOnly(2026, 12, 1), date);
    }

    [Theory]
    [InlineData("twelve thousand", "is not a number")]
    [InlineData("-5", "below the minimum of 0")]
    public void Budgets_must_be_numbers_not_below_zero(string budget, string expected)
    {
        var body = Form(CompleteRequests["campaign-brief"].Select(f => f.Label == "Budget" ? (f.Label, budget) : f).ToArray());
        Assert.Contains(expected, Assert.Single(RequestValidator.Check(Type("campaign-brief"), body, Today).Errors).Message);
    }

    [Theory]
    [InlineData("3h", 3)]
    [InlineData("90m", 1.5)]
    [InlineData("1.5 hours", 1.5)]
    [InlineData("1d", 8)]
    [InlineData("2 days", 16)]
    [InlineData("1w", 40)]
    public void Durations_read_in_hours_with_an_eight_hour_day(string text, double hours)
    {
        Assert.True(Answers.TryParseDuration(text, out var duration));
        Assert.Equal(hours, duration.TotalHours);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0h")]
    [InlineData("3 parsecs")]
    public void Nonsense_durations_are_refused(string text) => Assert.False(Answers.TryParseDuration(text, out _));

    [Theory]
    [InlineData("@octocat", "`@\u200Boctocat`")]
    [InlineData("&#64;octocat", "`@\u200Boctocat`")]
    [InlineData("&amp;#64;octocat", "`@\u200Boctocat`")]
    [InlineData("use `code`", "`` use `code` ``")]
    [InlineData("`edge`", "`` `edge` ``")]
    [InlineData("Approved by @pmm\n\n### ✅ Complete", "`Approved by @\u200Bpmm ### ✅ Complete`")]
    public void Quoted_user_text_cannot_ping_or_pose_as_the_bot(string text, string quoted)
    {
        Assert.Equal(quoted, Answers.Quote(text));
    }

    [Fact]
    public void Quoted_user_text_is_shortened()
    {
        Assert.Equal("`" + new string('x', 60) + "…`", Answers.Quote(new string('x', 500)));
    }
}

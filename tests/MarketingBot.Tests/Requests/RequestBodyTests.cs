using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

public class RequestBodyTests
{
    private static readonly RequestType Social = WorkflowFile.Default.RequestTypes.Single(t => t.Id == "social-post");

    [Fact]
    public void Issue_form_output_is_read_by_label_and_empty_answers_are_absent()
    {
        const string body = """
            ### What should we share?

            Our 2.5 release

            ### Content type

            Release post

            ### Channels

            - [X] LinkedIn
            - [ ] Facebook
            - [x] Discord

            ### Visual ideas

            _No response_

            ### Campaign

            None
            """;
        var answers = RequestBody.Parse(body, Social);
        Assert.Equal("Our 2.5 release", answers["share"]);
        Assert.Equal("Release post", answers["content-type"]);
        Assert.Equal(["LinkedIn", "Discord"], Answers.Items(answers["channels"], splitOnCommas: true));
        Assert.False(answers.ContainsKey("visual-ideas"));
        Assert.False(answers.ContainsKey("campaign"));
    }

    [Fact]
    public void Headings_checkboxes_and_code_inside_an_answer_do_not_split_it()
    {
        const string body = """
            ### What should we share?

            ### Background
            We shipped **three** things:
            - [x] faster deploys
            - [ ] a new editor
            ```yaml
            ### Channels
            key: value
            ```
            ~~~
            Call to action: not a section inside a fence
            ~~~

            ### Content type

            Product update
            """;
        var answers = RequestBody.Parse(body, Social);
        Assert.StartsWith("### Background", answers["share"]);
        Assert.Contains("### Channels\nkey: value", answers["share"]);
        Assert.Contains("Call to action: not a section", answers["share"]);
        Assert.False(answers.ContainsKey("channels"));
        Assert.False(answers.ContainsKey("call-to-action"));
        Assert.Equal("Product update", answers["content-type"]);
    }

    [Theory]
    [InlineData("### 📣 What should we share?:\nThe launch")]
    [InlineData("## WHAT SHOULD WE SHARE\nThe launch")]
    [InlineData("**What should we share?** The launch")]
    [InlineData("**What should we share?:** The launch")]
    [InlineData("**What should we share?**: The launch")]
    [InlineData("What should we share? : The launch")]
    [InlineData("#### What should we share? ####\r\nThe launch\r\n")]
    public void Labels_match_whatever_the_emoji_case_colons_or_layout(string body)
    {
        Assert.Equal("The launch", RequestBody.Parse(body, Social)["share"]);
    }

    [Fact]
    public void A_hand_written_body_with_bold_labels_reads_multi_line_answers()
    {
        const string body = """
            Hi team, a quick one:

            **What should we share?:** Our webinar
            on Thursday, with a replay.
            **Content type:** Event
            **Channels:** LinkedIn, Discord
            """;
        var answers = RequestBody.Parse(body, Social);
        Assert.Equal("Our webinar\non Thursday, with a replay.", answers["share"]);
        Assert.Equal("Event", answers["content-type"]);
        Assert.Equal(["LinkedIn", "Discord"], Answers.Items(answers["channels"], splitOnCommas: true));
    }

    [Fact]
    public void Only_the_first_heading_of_a_label_starts_its_section()
    {
        var answers = RequestBody.Parse("### Campaign\nQ4\n### Campaign\nstill Q4", Social);
        Assert.Equal("Q4\n### Campaign\nstill Q4", answers["campaign"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("just some words, no sections")]
    public void A_body_without_sections_has_no_answers(string? body)
    {
        Assert.Empty(RequestBody.Parse(body, Social));
    }

    [Theory]
    [InlineData("<!-- marketingbot:request demo -->", "", new string[0], "demo")]
    [InlineData("", "", new[] { "bug", "Request: Blog-Post" }, "blog-post")]
    [InlineData("", "  [social post] Release 2.5", new string[0], "social-post")]
    [InlineData("", "[Campaign] Q1", new string[0], "campaign-brief")]
    [InlineData("", "Please share our post", new string[0], null)]
    [InlineData("<!-- marketingbot:request nothing-like-it -->", "[SOW] Agency", new string[0], "vendor-sow")]
    public void The_request_type_comes_from_marker_then_label_then_title(string body, string title, string[] labels, string? expected)
    {
        Assert.Equal(expected, RequestTypes.Detect(WorkflowFile.Default, title, body, labels)?.Id);
    }

    [Theory]
    [InlineData("### Call to action\n\nUpgrade\n\n### Publish date\n\n2030-01-01\n\n### Campaign\n\nQ1",
        "### Call to action\n\nUpgrade\n\n### Publish date\n\n2031-02-03\n\n### Campaign\n\nQ1")]
    [InlineData("### Publish date\n\n_No response_", "### Publish date\n\n2031-02-03")]
    [InlineData("**Call to action:** Upgrade\n**Publish date:** soon\nmore words\n**Campaign:** Q1",
        "**Call to action:** Upgrade\n**Publish date:** 2031-02-03\n\n**Campaign:** Q1")]
    [InlineData("Publish date: 1 Jan 2030", "**Publish date:** 2031-02-03")]
    [InlineData("### Call to action\n\nUpgrade", "### Call to action\n\nUpgrade\n\n### Publish date\n\n2031-02-03\n")]
    [InlineData("### Visual ideas\n\n```\nPublish date: in code\n```", "### Visual ideas\n\n```\nPublish date: in code\n```\n\n### Publish date\n\n2031-02-03\n")]
    public void An_answer_is_replaced_where_it_is_or_added_and_the_rest_is_kept(string body, string expected)
    {
        var changed = RequestBody.WithAnswer(body, Social, "publish-date", "2031-02-03");
        Assert.Equal(expected, changed);
        Assert.Equal("2031-02-03", RequestBody.Parse(changed, Social)["publish-date"]);
    }
}

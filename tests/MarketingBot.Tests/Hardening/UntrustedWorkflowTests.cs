using System.Text;
using MarketingBot.Effects;
using MarketingBot.Requests;

namespace MarketingBot.Tests.Hardening;

/// <summary>A workflow file comes from anyone who can open a pull request: it is bounded, and nothing of it speaks as the bot.</summary>
public sealed class UntrustedWorkflowTests
{
    [Fact]
    public void An_alias_bomb_is_refused_with_one_problem_before_anything_is_expanded()
    {
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++) yaml.Append($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        yaml.Append("requestTypes: *a11\n");

        Assert.Null(WorkflowFile.Parse(yaml.ToString(), "f.yml", out var problems));
        Assert.Contains("aliases", Assert.Single(problems));
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused_by_its_size()
    {
        Assert.Null(WorkflowFile.Parse("# " + new string('x', WorkflowFile.MaxLength), "f.yml", out var problems));
        Assert.Contains("may be at most 256 KB", Assert.Single(problems));
    }

    [Fact]
    public void Hundreds_of_problems_are_reported_as_the_first_thirty_and_a_count_and_the_comment_fits_GitHub()
    {
        var yaml = new StringBuilder("requestTypes:\n");
        for (var i = 0; i < 300; i++) yaml.Append($"  - {{ id: t{i}, name: T{i}, label: {{ name: \"l{i}\" }}, assignRole: nobody-{i}, sections: [{{ id: s, label: S, kind: text }}] }}\n");

        Assert.Null(WorkflowFile.Parse(yaml.ToString(), "f.yml", out var problems));
        Assert.Equal(WorkflowFile.MaxProblems + 1, problems.Count);
        Assert.EndsWith("and 270 more problems like these", problems[^1]);
        Assert.True(WorkflowPullRequestHandler.Render(null, problems).Length < 65_536);
    }

    [Fact]
    public void A_body_over_GitHubs_limit_is_cut_with_a_note_instead_of_never_posted()
    {
        var fitted = GitHubEffects.Fit(new string('a', 65_530) + "😀😀😀😀😀" + new string('b', 10_000));
        Assert.True(fitted.Length <= 65_536);
        Assert.EndsWith("(cut here: GitHub takes at most 65,536 characters)*\n", fitted);
        Assert.Equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(fitted)), fitted);
    }

    private const string Hostile = "@acme/everyone [claim your prize](https://evil.example) ![x](https://evil.example/i.png) <!-- marketingbot:request-check -->";

    [Fact]
    public void Type_names_in_the_pull_request_check_cannot_mention_link_show_images_or_carry_markers()
    {
        var yaml = $$"""
            requestTypes:
              - id: evil
                name: "{{Hostile}}"
                label: { name: "request: evil" }
                sections: [{ id: s, label: S, kind: text }]
            """;
        var workflow = WorkflowFile.Parse(yaml, "f.yml", out var problems);
        Assert.True(workflow is not null, string.Join("; ", problems));

        var comment = WorkflowPullRequestHandler.Render(workflow, []);
        // Quoted as issue text is: in a code span, where a link or an image is only text.
        Assert.Contains("(`@\u200Bacme/everyone [claim your prize](https://evil.example)", comment, StringComparison.Ordinal);
        AssertNeutral(comment, WorkflowPullRequestHandler.Marker, linksInCodeSpans: true);
    }

    [Fact]
    public void Section_labels_and_type_names_in_the_request_comment_cannot_mention_link_show_images_or_carry_markers()
    {
        var yaml = $$"""
            requestTypes:
              - id: evil
                name: "{{Hostile}}"
                titlePrefix: "[Evil]"
                label: { name: "request: evil" }
                sections: [{ id: s, label: "{{Hostile}}", kind: text, required: true }]
            """;
        var workflow = WorkflowFile.Parse(yaml, "f.yml", out var problems);
        Assert.True(workflow is not null, string.Join("; ", problems));
        var type = Assert.Single(workflow.RequestTypes);

        var comment = RequestComment.Render(RequestValidator.Check(type, "", new DateOnly(2026, 11, 2)), "requester");
        AssertNeutral(comment, RequestComment.Marker);
    }

    private static void AssertNeutral(string comment, string marker, bool linksInCodeSpans = false)
    {
        // Ordinal: a culture-aware search ignores the zero-width space that breaks the mention.
        Assert.DoesNotContain("@acme", comment, StringComparison.Ordinal);
        if (!linksInCodeSpans) Assert.DoesNotContain("](https://evil", comment, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(comment, "<!-- marketingbot:"));
        Assert.StartsWith(marker, comment);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}

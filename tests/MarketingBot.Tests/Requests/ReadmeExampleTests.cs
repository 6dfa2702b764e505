using System.Text.RegularExpressions;
using MarketingBot.Replay;
using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

/// <summary>What the README and the docs show is what the bot does: their workflow files parse, and the demo's output is the replay's.</summary>
public partial class ReadmeExampleTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    private static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    [Fact]
    public void Every_workflow_file_shown_in_the_README_and_the_docs_is_valid()
    {
        var examples = new[] { "README.md", "docs/requests.md" }
            .SelectMany(file => YamlBlock().Matches(Read(file)).Select(m => m.Groups[1].Value))
            .Where(b => b.Contains("requestTypes:", StringComparison.Ordinal) || b.Contains("base: built-in", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, examples.Count);
        var workflows = examples.Select(example =>
        {
            var workflow = WorkflowFile.Parse(example, "README.md", out var problems);
            Assert.Empty(problems);
            return workflow!;
        }).ToList();
        // The install guide's file: the team's people, on the built-in request types.
        Assert.Equal(["pat"], workflows[0].Roles["product-marketing-manager"].Logins);
        Assert.Equal(WorkflowFile.Default.RequestTypes.Count, workflows[0].RequestTypes.Count);
        Assert.Equal("sam", workflows[1].Roles["social-media-manager"].Logins.Single());
        Assert.Equal(10000m, workflows[2].RequestTypes.Single().Approvals.Single(a => a.Role == "management").BudgetAbove);
        Assert.NotNull(WorkflowFile.Parse(Read("examples/marketingbot.yml"), "examples/marketingbot.yml", out var exampleProblems));
        Assert.Empty(exampleProblems);
    }

    [Fact]
    public async Task The_READMEs_demo_shows_exactly_what_replaying_the_examples_prints()
    {
        var shown = DemoOutput().Match(Read("README.md"));
        Assert.True(shown.Success, "the README has no replay output between its markers");

        var output = new StringWriter();
        var exit = await ReplayCommand.RunAsync([Path.Combine(Root, "examples", "deliveries")], output, new StringWriter(),
            Path.Combine(Root, "examples", "marketingbot.yml"));

        Assert.Equal(0, exit);
        Assert.Equal(shown.Groups[1].Value.TrimEnd('\n'), output.ToString().ReplaceLineEndings("\n").TrimEnd('\n'));
        // It shows effects: labels, the comment's whole text, the board, the sheet and the approval.
        Assert.Contains("would add labels to acme/marketing-requests#102: request: blog-post, needs-info", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("    - **Audience** is missing.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("would add labels to acme/marketing-requests#101: approved", output.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    [GeneratedRegex("<!-- replay-output:start -->\n```text\n(.*?)```\n<!-- replay-output:end -->", RegexOptions.Singleline)]
    private static partial Regex DemoOutput();
}

using System.Text.RegularExpressions;
using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

public partial class ReadmeExampleTests
{
    [Fact]
    public void The_workflow_example_in_the_README_is_a_valid_workflow()
    {
        var readme = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "README.md");
        var example = YamlBlock().Matches(File.ReadAllText(readme)).Select(m => m.Groups[1].Value).Single(b => b.Contains("requestTypes:"));
        var workflow = WorkflowFile.Parse(example, "README.md", out var problems);
        Assert.Empty(problems);
        Assert.Equal("sam", workflow!.Roles["social-media-manager"].Logins.Single());
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}

using System.Text.RegularExpressions;
using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

public partial class ReadmeExampleTests
{
    [Fact]
    public void Every_workflow_example_in_the_README_is_a_valid_workflow()
    {
        var readme = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "README.md");
        var examples = YamlBlock().Matches(File.ReadAllText(readme)).Select(m => m.Groups[1].Value).Where(b => b.Contains("requestTypes:")).ToList();
        Assert.Equal(2, examples.Count);
        var workflows = examples.Select(example =>
        {
            var workflow = WorkflowFile.Parse(example, "README.md", out var problems);
            Assert.Empty(problems);
            return workflow!;
        }).ToList();
        Assert.Equal("sam", workflows[0].Roles["social-media-manager"].Logins.Single());
        Assert.Equal(10000m, workflows[1].RequestTypes.Single().Approvals.Single(a => a.Role == "management").BudgetAbove);
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}

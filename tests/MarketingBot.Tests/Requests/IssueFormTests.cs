using MarketingBot.Requests;
using MarketingBot.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MarketingBot.Tests.Requests;

public class IssueFormTests
{
    private static readonly DateOnly Today = new(2026, 11, 2);

    public static TheoryData<string> TypeIds => new(WorkflowFile.Default.RequestTypes.Select(t => t.Id));

    /// <summary>What GitHub writes into the issue body when the form is submitted: <c>### label</c>, a blank line, the answer.</summary>
    private static string Submit(YamlMappingNode form, Func<string, YamlMappingNode, string?> answer)
    {
        var parts = new List<string>();
        foreach (YamlMappingNode field in (YamlSequenceNode)form["body"])
        {
            var kind = ((YamlScalarNode)field["type"]).Value!;
            if (kind == "markdown") continue;
            var attributes = (YamlMappingNode)field["attributes"];
            var label = ((YamlScalarNode)attributes["label"]).Value!;
            var id = ((YamlScalarNode)field["id"]).Value!;
            var value = answer(id, attributes);
            if (kind == "checkboxes")
            {
                var ticked = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
                value = string.Join("\n", ((YamlSequenceNode)attributes["options"]).Cast<YamlMappingNode>()
                    .Select(o => ((YamlScalarNode)o["label"]).Value!)
                    .Select(o => $"- [{(ticked.Contains(o) ? "X" : " ")}] {o}"));
            }
            parts.Add($"### {label}\n\n{(string.IsNullOrEmpty(value) ? kind == "dropdown" ? "None" : "_No response_" : value)}");
        }
        return string.Join("\n\n", parts);
    }

    private static YamlMappingNode Generated(RequestType type)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(IssueForms.Render(type)));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    /// <summary>A valid answer for each field, chosen from the form itself (first option; channels that suit it).</summary>
    private static string? ValidAnswer(RequestType type, string id, YamlMappingNode attributes)
    {
        var section = type.Sections.Single(s => s.Id == id);
        return section.Kind switch
        {
            SectionKind.Choice => ((YamlScalarNode)((YamlSequenceNode)attributes["options"]).First()).Value,
            SectionKind.Choices => section.AllowedBy is { } m ? m.Matrix[type.Sections.Single(s => s.Id == m.Section).Options[0]][0] : section.Options[0],
            SectionKind.Url or SectionKind.Urls => "https://flowfuse.com/blog/example/",
            SectionKind.Date => Today.AddDays(30).ToString("yyyy-MM-dd"),
            SectionKind.Number => "1500",
            SectionKind.Duration => "3h",
            SectionKind.List => "#FlowFuse #NodeRED",
            _ => $"An answer for {section.Label}\n### with a heading inside\n- [x] and a checkbox",
        };
    }

    [Theory]
    [MemberData(nameof(TypeIds))]
    public void A_body_submitted_through_each_generated_form_parses_and_validates(string typeId)
    {
        var type = WorkflowFile.Default.RequestTypes.Single(t => t.Id == typeId);
        var form = Generated(type);
        Assert.Equal(type.Label.Name, ((YamlScalarNode)((YamlSequenceNode)form["labels"]).Single()).Value);

        var body = Submit(form, (id, attributes) => ValidAnswer(type, id, attributes));
        var check = RequestValidator.Check(type, body, Today);

        Assert.Empty(check.Problems);
        Assert.Equal(type.Sections.Count, check.Answers.Count);
        Assert.Same(type, RequestTypes.Detect(WorkflowFile.Default, ((YamlScalarNode)form["title"]).Value + "Something", body, []));
    }

    [Theory]
    [MemberData(nameof(TypeIds))]
    public void A_form_submitted_with_only_the_required_fields_leaves_the_rest_absent(string typeId)
    {
        var type = WorkflowFile.Default.RequestTypes.Single(t => t.Id == typeId);
        var body = Submit(Generated(type), (id, attributes) =>
            type.Sections.Single(s => s.Id == id) is { Required: true } ? ValidAnswer(type, id, attributes) : null);
        var check = RequestValidator.Check(type, body, Today);

        Assert.DoesNotContain(check.Errors, e => type.Sections.Single(s => s.Label == e.Section).RequiredWhen is null);
        Assert.All(type.Sections.Where(s => !s.Required), s => Assert.False(check.Answers.ContainsKey(s.Id)));
    }

    [Fact]
    public async Task The_templates_command_writes_one_form_per_type_and_config_validate_checks_a_file()
    {
        using var folder = new TempFolder();
        var output = new StringWriter();
        Assert.Equal(0, await WorkflowCommands.TemplatesAsync([folder.File("ISSUE_TEMPLATE")], output, new StringWriter()));
        Assert.Equal(["blog-post.yml", "campaign-brief.yml", "demo.yml", "social-post.yml", "vendor-sow.yml"],
            Directory.GetFiles(folder.File("ISSUE_TEMPLATE")).Select(Path.GetFileName).Order());

        await File.WriteAllTextAsync(folder.File("bad.yml"), "requestTypes:\n  - id: x\n    name: X\n    label: { name: x }\n    sections: []\n");
        var errors = new StringWriter();
        Assert.Equal(1, await WorkflowCommands.ValidateAsync([folder.File("bad.yml")], new StringWriter(), errors));
        Assert.Contains("request type 'x': it has no sections", errors.ToString());

        await File.WriteAllTextAsync(folder.File("good.yml"), "requestTypes:\n  - id: x\n    name: X\n    label: { name: x }\n    sections: [ { id: a, label: A } ]\n");
        output = new StringWriter();
        Assert.Equal(0, await WorkflowCommands.ValidateAsync([folder.File("good.yml")], output, new StringWriter()));
        Assert.Contains("is valid: 1 request types (x)", output.ToString());
    }
}

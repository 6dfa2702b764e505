using MarketingBot.Requests;

namespace MarketingBot.Tests.Requests;

public class WorkflowFileTests
{
    [Fact]
    public void The_built_in_workflow_has_the_handbooks_five_request_types()
    {
        var workflow = WorkflowFile.Default;
        Assert.Equal(["social-post", "blog-post", "demo", "campaign-brief", "vendor-sow"], workflow.RequestTypes.Select(t => t.Id));
        var social = workflow.RequestTypes[0];
        Assert.Equal(11, social.Sections.Single(s => s.Id == "content-type").Options.Count);
        Assert.Equal(11, social.Sections.Single(s => s.Id == "channels").AllowedBy!.Matrix.Count);
        Assert.Equal("social-media-manager", social.AssignRole);
        Assert.Equal(["project-owner", "department-head", "management"], workflow.RequestTypes.Single(t => t.Id == "vendor-sow").Approvals.Select(a => a.Role));
        Assert.Equal(10000m, workflow.RequestTypes.Single(t => t.Id == "campaign-brief").Approvals.Single(a => a.Role == "management").BudgetAbove);
    }

    [Fact]
    public void A_file_that_is_not_YAML_is_refused_with_its_line()
    {
        Assert.Null(WorkflowFile.Parse("requestTypes:\n  - id: x\n   name: [unclosed", ".github/marketingbot.yml", out var problems));
        Assert.Matches(@"^\.github/marketingbot\.yml, line \d+, column \d+: ", Assert.Single(problems));
    }

    [Fact]
    public void A_misspelt_key_is_refused_not_ignored()
    {
        Assert.Null(WorkflowFile.Parse("requestTypez: []", "f.yml", out var problems));
        Assert.Contains("requestTypez", Assert.Single(problems));
    }

    [Fact]
    public void Broken_references_are_each_reported()
    {
        const string yaml = """
            timeZone: Mars/Olympus
            roles: { pmm: {} }
            commands: { aprove: [pmm], status: [markting] }
            requestTypes:
              - id: post
                name: Post
                label: { name: "request: post" }
                assignRole: nobody
                approvals: [{ role: owner }, { role: pmm, budgetAbove: 100 }]
                sections:
                  - { id: type, label: Type, kind: choice, options: [A, B] }
                  - { id: where, label: Where, kind: choices, options: [X], allowedBy: { section: type, matrix: { C: [Y] } } }
                  - { id: link, label: Link, kind: url, requiredWhen: { section: missing, oneOf: [A] } }
                  - { id: when, label: When, kind: text, notInPast: true }
            """;
        Assert.Null(WorkflowFile.Parse(yaml, "f.yml", out var problems));
        Assert.Contains(problems, p => p.Contains("timeZone 'Mars/Olympus'"));
        Assert.Contains(problems, p => p.Contains("assignRole 'nobody'"));
        Assert.Contains(problems, p => p.Contains("allowedBy row 'C'"));
        Assert.Contains(problems, p => p.Contains("allowedBy lists 'Y'"));
        Assert.Contains(problems, p => p.Contains("requiredWhen names section 'missing'"));
        Assert.Contains(problems, p => p.Contains("section 'when': date rules apply to date sections only"));
        Assert.Contains(problems, p => p.Contains("commands: 'aprove' is not a command"));
        Assert.Contains(problems, p => p.Contains("commands: status names role 'markting'"));
        Assert.Contains(problems, p => p.Contains("approval role 'owner' is not one of the roles (pmm)"));
        Assert.Contains(problems, p => p.Contains("approval of 'pmm' depends on section 'budget', which this type does not have"));
    }

    [Fact]
    public void A_types_board_option_is_its_short_name_unless_the_file_names_one()
    {
        var social = WorkflowFile.Default.RequestTypes.Single(t => t.Id == "social-post");
        Assert.Equal("Social post", social.BoardOptionName);
        var yaml = """
            requestTypes:
              - id: brief
                name: Campaign brief
                boardOption: Campaign
                label: { name: "request: campaign" }
                sections: [{ id: goal, label: Goal, kind: text }]
            """;
        var workflow = WorkflowFile.Parse(yaml, "f.yml", out var problems);
        Assert.True(workflow is not null, string.Join("; ", problems));
        Assert.Equal("Campaign", Assert.Single(workflow.RequestTypes).BoardOptionName);
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        Assert.Null(WorkflowFile.Parse("", "f.yml", out var problems));
        Assert.Contains("empty", Assert.Single(problems));
    }

    [Fact]
    public void On_the_built_in_base_a_file_gives_only_what_differs_and_its_roles_join_the_built_in_ones()
    {
        var workflow = WorkflowFile.Parse("""
            base: built-in
            timeZone: Europe/Amsterdam
            roles:
              product-marketing-manager: { logins: [pat] }
              social-media-manager: { teams: [social] }
            commands:
              snooze: []
            """, "f.yml", out var problems);

        Assert.Empty(problems);
        Assert.Equal("Europe/Amsterdam", workflow!.TimeZone);
        Assert.Equal(["pat"], workflow.Roles["product-marketing-manager"].Logins);
        Assert.Equal(["social"], workflow.Roles["social-media-manager"].Teams);
        // What the file leaves out is the built-in workflow's: its request types, board and the roles they name.
        Assert.Equal(WorkflowFile.Default.RequestTypes.Select(t => t.Id), workflow.RequestTypes.Select(t => t.Id));
        Assert.Equal(WorkflowFile.Default.Board!.Title, workflow.Board!.Title);
        Assert.Contains("management", workflow.Roles.Keys);
        Assert.Empty(workflow.Commands["snooze"]);
        Assert.Equal(WorkflowFile.Default.Commands["approve"], workflow.Commands["approve"]);
    }

    [Fact]
    public void Without_a_base_the_file_is_the_whole_workflow_and_an_unknown_base_is_refused()
    {
        Assert.Null(WorkflowFile.Parse("roles:\n  product-marketing-manager: { logins: [pat] }\n", "f.yml", out var whole));
        Assert.Contains(whole, p => p.Contains("requestTypes is empty", StringComparison.Ordinal));

        Assert.Null(WorkflowFile.Parse("base: default\n", "f.yml", out var unknown));
        Assert.Contains("base 'default' is not one the bot knows; write base: built-in", Assert.Single(unknown), StringComparison.Ordinal);
    }
}

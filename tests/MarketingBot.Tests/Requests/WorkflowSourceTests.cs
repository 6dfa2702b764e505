using System.Text;
using MarketingBot.Processing;
using MarketingBot.Requests;
using MarketingBot.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Requests;

public sealed class WorkflowSourceTests : IDisposable
{
    private const string Contents = "/repos/acme/customer/contents/.github/marketingbot.yml";
    private readonly FakeGitHub _github = new();

    private const string PressReleaseOnly = """
        requestTypes:
          - id: press-release
            name: Press release request
            titlePrefix: "[Press]"
            label: { name: "request: press-release" }
            sections:
              - { id: headline, label: Headline, kind: text, required: true }
        """;

    public WorkflowSourceTests() => _github.IssuesTokens(DateTimeOffset.UtcNow);

    public void Dispose() => _github.Dispose();

    /// <summary>GitHub's contents API: the file as JSON with its text in base64.</summary>
    private void RepositoryFile(string yaml) => Answer(200, FakeGitHub.ContentsJson(yaml));

    private void Answer(int status, string body)
    {
        _github.Server.ResetMappings();
        _github.IssuesTokens(DateTimeOffset.UtcNow);
        _github.Server.Given(Request.Create().WithPath(Contents).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body));
    }

    private Task<Workflow> Current() => _github.Workflows.ForRepositoryAsync(FakeGitHub.InstallationId, "acme", "customer");

    [Fact]
    public async Task The_repositorys_file_replaces_the_default_and_is_read_once_while_cached()
    {
        RepositoryFile(PressReleaseOnly);
        Assert.Equal(["press-release"], (await Current()).RequestTypes.Select(t => t.Id));
        await Current();
        Assert.Single(_github.Requests(Contents, "GET"));
    }

    [Fact]
    public async Task Without_a_file_the_built_in_workflow_applies()
    {
        Answer(404, """{"message":"Not Found"}""");
        Assert.Same(WorkflowFile.Default, await Current());
    }

    [Fact]
    public async Task A_broken_file_is_reported_and_the_last_good_workflow_kept()
    {
        RepositoryFile(PressReleaseOnly);
        await Current();
        RepositoryFile("requestTypes: [ {id: x, sections: ");
        _github.Workflows.Forget("acme", "customer");

        Assert.Equal(["press-release"], (await Current()).RequestTypes.Select(t => t.Id));
        var problem = Assert.Single(_github.Workflows.Problems);
        Assert.Equal("acme/customer:.github/marketingbot.yml", problem.Key);
        Assert.Matches(@"^acme/customer:\.github/marketingbot\.yml, line \d+, column \d+: ", problem.Value);
    }

    [Fact]
    public async Task A_push_to_the_default_branch_that_changes_the_file_makes_it_read_again()
    {
        RepositoryFile(PressReleaseOnly);
        await Current();
        var handler = new WorkflowChangeHandler(_github.Workflows);

        var elsewhere = await handler.HandleAsync(Push("refs/heads/feature", ".github/marketingbot.yml"), CancellationToken.None);
        var unrelated = await handler.HandleAsync(Push("refs/heads/main", "README.md"), CancellationToken.None);
        await Current();
        Assert.Equal("push to another branch", elsewhere.Outcome);
        Assert.Equal("workflow file unchanged", unrelated.Outcome);
        Assert.Single(_github.Requests(Contents, "GET"));

        await handler.HandleAsync(Push("refs/heads/main", ".github/marketingbot.yml"), CancellationToken.None);
        await Current();
        Assert.Equal(2, _github.Requests(Contents, "GET").Count);
    }

    private static WebhookDelivery Push(string branch, string path)
    {
        var json = $$$"""
            {"ref":"{{{branch}}}","repository":{"id":7,"name":"customer","full_name":"acme/customer","default_branch":"main","owner":{"login":"acme","id":9}},
             "commits":[{"id":"abc","message":"m","added":[],"removed":[],"modified":["{{{path}}}"]}],"installation":{"id":42}}
            """;
        return new WebhookDelivery("p", "push", null, 42, TypedEvents.Read("push", Encoding.UTF8.GetBytes(json)));
    }
}

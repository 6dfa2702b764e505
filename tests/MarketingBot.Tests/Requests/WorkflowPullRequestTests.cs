using System.Text;
using MarketingBot.Requests;
using MarketingBot.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Requests;

/// <summary>A pull request changing the workflow file is validated on the pull request: WireMock as GitHub.</summary>
public sealed class WorkflowPullRequestTests : LiveBotTest
{
    private FakeIssueComments _comments = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _comments = new FakeIssueComments(Live.GitHub.Server, LiveBot.Repository, 15, "marketingbot[bot]");
    }

    private async Task PullRequest(string action, string sha, string files, string? yaml)
    {
        var server = Live.GitHub.Server;
        server.Given(Request.Create().WithPath("/repos/acme/customer/pulls/15/files").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(files));
        if (yaml is not null)
            server.Given(Request.Create().WithPath("/repos/acme/customer/contents/.github/marketingbot.yml").WithParam("ref", sha).UsingGet()).AtPriority(1)
                .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(FakeGitHub.ContentsJson(yaml)));
        var payload = $$$"""
            {"action":"{{{action}}}","number":15,
             "pull_request":{"id":915,"number":15,"state":"open","title":"Add a press release type","user":{"login":"pat","id":3},
               "head":{"ref":"press","sha":"{{{sha}}}"},"base":{"ref":"main","sha":"base"}},
             "repository":{"id":7,"name":"customer","full_name":"acme/customer","owner":{"login":"acme","id":9},"default_branch":"main"},
             "sender":{"login":"pat","id":3,"type":"User"},"installation":{"id":{{{FakeGitHub.InstallationId}}}}}
            """;
        await Live.Bot.PostAsync("pull_request", $"pr-{sha}", Encoding.UTF8.GetBytes(payload));
        await Live.Bot.DrainAsync();
        Assert.All(await Live.Bot.Inbox.ReadAuditAsync($"pr-{sha}"), a => Assert.Null(a.Error));
    }

    private const string Changed = """[{"sha":"f1","filename":".github/marketingbot.yml","status":"modified","additions":3,"deletions":1,"changes":4}]""";

    [Fact]
    public async Task A_broken_workflow_file_is_reported_on_the_pull_request_and_the_fix_turns_the_comment_green()
    {
        await PullRequest("opened", "aaa", Changed, "requestTypes:\n  - id: press\n    name: Press @everyone\n    assignRole: nobody\n    label: { name: press }\n    sections: []");

        var comment = Assert.Single(_comments.All);
        Assert.Contains("### ❌ `.github/marketingbot.yml` has 2 problems", comment.Body);
        Assert.Contains("assignRole 'nobody'", comment.Body);

        await PullRequest("synchronize", "bbb", Changed,
            "requestTypes:\n  - id: press\n    name: Press release\n    label: { name: press }\n    sections:\n      - { id: headline, label: Headline, kind: text, required: true }");
        comment = Assert.Single(_comments.All);
        Assert.Contains("### ✅ `.github/marketingbot.yml` is valid", comment.Body);
        Assert.Contains("1 request types (`Press release`)", comment.Body);
    }

    [Fact]
    public async Task A_pull_request_that_leaves_the_workflow_file_alone_gets_no_comment()
    {
        await PullRequest("opened", "ccc", """[{"sha":"f2","filename":"README.md","status":"modified"}]""", yaml: null);
        Assert.Empty(_comments.All);
        Assert.Equal("the pull request does not change the workflow file", Assert.Single(await Live.Bot.Inbox.ReadAuditAsync("pr-ccc")).Outcome);
    }

    [Fact]
    public void Problems_are_quoted_so_a_file_cannot_mention_anyone()
    {
        var body = WorkflowPullRequestHandler.Render(null, ["f.yml: request type 'x': assignRole '@everyone' is not one of the roles"]);
        Assert.DoesNotContain("@everyone", body, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Support;

/// <summary>
/// The whole app, live (App credentials set), with WireMock as GitHub (REST and GraphQL) and as
/// Google, for one request issue: acme/customer#7.
/// </summary>
public sealed class LiveBot : IAsyncDisposable
{
    public const string Repository = "acme/customer";
    public const int Number = 7;
    public const string NodeId = "I_7";

    /// <summary>A social post request with only its first answer: enough to be a request, far from complete.</summary>
    public const string ShortRequestBody = "### What should we share?\n\nOur webinar";

    private readonly TempFolder _folder = new();

    private LiveBot()
    {
        GitHub.IssuesTokens(DateTimeOffset.UtcNow);
        GitHub.IsApp("marketingbot");
        GitHub.HasLabels(Repository);
        Comments = new FakeIssueComments(GitHub.Server, Repository, Number, "marketingbot[bot]");
        Projects = new FakeProjects(GitHub.Server);
        // A fallback: a test gives the repository a workflow file with HasWorkflowFile.
        GitHub.Server.Given(Request.Create().WithPath($"/repos/{Repository}/contents/.github/marketingbot.yml").UsingGet()).AtPriority(10)
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("""{"message":"Not Found"}"""));
        GitHub.Server.Given(Request.Create().WithPath($"/repos/{Repository}/issues/*/labels").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("[]"));
        GitHub.Server.Given(Request.Create().WithPath($"/repos/{Repository}/issues/*/labels/*").UsingDelete())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("[]"));
        File.WriteAllText(_folder.File("app.pem"), GitHub.Key.ExportRSAPrivateKeyPem());
        Bot = new BotFactory(new(Google.Settings)
        {
            ["Bot:DryRun"] = "false",
            ["GitHub:AppId"] = FakeGitHub.AppId.ToString(),
            ["GitHub:PrivateKeyPath"] = _folder.File("app.pem"),
            ["GitHub:ApiBaseUrl"] = GitHub.Server.Urls[0],
        });
    }

    public static LiveBot Start() => new();

    public FakeGitHub GitHub { get; } = new();
    public FakeGoogle Google { get; } = new();
    public FakeIssueComments Comments { get; }
    public FakeProjects Projects { get; }
    public BotFactory Bot { get; }

    /// <summary>Posts an <c>issues</c> delivery for #7, waits until it is processed and checks it did not fail.</summary>
    public async Task DeliverAsync(string action, string guid, string body, string[]? labels = null, string state = "open", string? stateReason = null,
        int number = Number, string nodeId = NodeId)
    {
        var response = await Bot.PostAsync("issues", guid,
            Payloads.IssueEvent(action, number, nodeId, FakeGitHub.InstallationId, title: "[Social post] Release 2.5", body: body, labels: labels,
                state: state, stateReason: stateReason));
        if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"delivery refused: {response.StatusCode}");
        await Bot.DrainAsync();
        var failed = (await Bot.Inbox.ReadAuditAsync(guid)).FirstOrDefault(a => a.Error is not null);
        if (failed is not null) throw new InvalidOperationException($"delivery {guid} failed: {failed.Error}");
    }

    /// <summary>What GraphQL answers for the issue #7's card shows, as a person left it.</summary>
    /// <param name="stateReason">For a closed issue, as GraphQL names it: <c>COMPLETED</c> or <c>NOT_PLANNED</c>.</param>
    public void CardShowsRequest(string body, string[]? labels = null, string? stateReason = null)
    {
        static JsonObject Nodes(IEnumerable<JsonObject> nodes) => new() { ["nodes"] = new JsonArray(nodes.ToArray<JsonNode>()) };
        Projects.Issues[NodeId] = new JsonObject
        {
            ["id"] = NodeId, ["number"] = Number, ["title"] = "[Social post] Release 2.5", ["body"] = body,
            ["url"] = $"https://github.com/{Repository}/issues/{Number}", ["state"] = stateReason is null ? "OPEN" : "CLOSED", ["stateReason"] = stateReason,
            ["createdAt"] = "2026-11-02T09:30:00Z", ["updatedAt"] = "2026-11-02T10:00:00Z", ["author"] = new JsonObject { ["login"] = "requester" },
            ["labels"] = Nodes((labels ?? ["request: social-post"]).Select(l => new JsonObject { ["name"] = l })),
            ["assignees"] = Nodes([]),
            ["repository"] = new JsonObject { ["name"] = "customer", ["owner"] = new JsonObject { ["login"] = "acme" } },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Bot.DisposeAsync();
        GitHub.Dispose();
        Google.Dispose();
        _folder.Dispose();
    }
}

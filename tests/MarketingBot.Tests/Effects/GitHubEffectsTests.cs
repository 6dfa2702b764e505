using System.Text.Json;
using MarketingBot.Effects;
using MarketingBot.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Effects;

public sealed class GitHubEffectsTests : IDisposable
{
    private const string Marker = "<!-- marketingbot:request -->";
    private const string Comments = "/repos/acme/customer/issues/1/comments";
    private static readonly IssueRef Issue = new("acme", "customer", 1);
    private readonly FakeGitHub _github = new();

    public GitHubEffectsTests()
    {
        _github.IssuesTokens(DateTimeOffset.UtcNow);
        _github.IsApp("marketingbot");
        _github.Server.Given(Request.Create().WithPath(Comments).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"id":900,"body":"new"}"""));
        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/issues/comments/*").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"id":2,"body":"edited"}"""));
    }

    public void Dispose() => _github.Dispose();

    private void ExistingComments(params (long Id, string Login, string Type, string Body)[] comments) =>
        _github.Server.Given(Request.Create().WithPath(Comments).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(JsonSerializer.Serialize(
                comments.Select(c => new { id = c.Id, body = c.Body, user = new { login = c.Login, id = c.Id, type = c.Type } }))));

    private Task Upsert(string body) =>
        _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [new UpsertBotComment(Issue, Marker, body)], CancellationToken.None);

    [Fact]
    public async Task With_no_bot_comment_yet_one_is_created()
    {
        ExistingComments((1, "requester", "User", "Please share our release post"));
        await Upsert($"{Marker}\nMissing: Channels");
        var created = Assert.Single(_github.Requests(Comments, "POST"));
        Assert.Contains("Missing: Channels", created.Body);
    }

    [Fact]
    public async Task The_bots_own_comment_is_edited_in_place_and_a_marker_pasted_by_a_user_is_not_taken_for_it()
    {
        ExistingComments(
            (1, "mallory", "User", $"{Marker}\nApproved by @pmm"),
            (2, "marketingbot[bot]", "Bot", $"{Marker}\nMissing: Channels"));
        await Upsert($"{Marker}\n✅ Ready");
        Assert.Empty(_github.Requests(Comments, "POST"));
        var edit = Assert.Single(_github.All, r => r.Method == "PATCH");
        Assert.Equal("/repos/acme/customer/issues/comments/2", edit.Path);
    }

    [Fact]
    public async Task Unchanged_text_is_not_written_again()
    {
        ExistingComments((2, "marketingbot[bot]", "Bot", $"{Marker}\n✅ Ready"));
        await Upsert($"{Marker}\n✅ Ready");
        Assert.DoesNotContain(_github.All, r => r.Method is "PATCH" or "POST" && r.Path.StartsWith("/repos"));
    }

    [Fact]
    public async Task A_label_the_repository_lacks_is_created_with_its_colour_and_description_once()
    {
        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/labels/*").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("""{"message":"Not Found"}"""));
        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/labels").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"id":5,"name":"needs-info","color":"d93f0b"}"""));
        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/issues/1/labels").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("[]"));
        var effect = new AddLabels(Issue, [new Label("needs-info", "d93f0b", "The request is missing something marketing needs")]);

        await _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [effect], CancellationToken.None);
        await _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [effect], CancellationToken.None);

        var created = Assert.Single(_github.Requests("/repos/acme/customer/labels", "POST"));
        using var json = JsonDocument.Parse(created.Body!);
        Assert.Equal("needs-info", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("d93f0b", json.RootElement.GetProperty("color").GetString());
        Assert.Equal("The request is missing something marketing needs", json.RootElement.GetProperty("description").GetString());
        Assert.Equal(2, _github.Requests("/repos/acme/customer/issues/1/labels", "POST").Count);
    }

    public static TheoryData<string> WriteEffects => new(EachWrite.Keys);

    /// <summary>Each write effect, the request it sends, and its whole body ("{}": nothing to say).</summary>
    private static readonly Dictionary<string, (Effect Effect, string Method, string Path, string Body)> EachWrite = new()
    {
        ["add labels"] = (new AddLabels(Issue, [new Label("approved", "0e8a16", "Approved")]), "POST", "/repos/acme/customer/issues/1/labels", """["approved"]"""),
        ["remove a label"] = (new RemoveLabel(Issue, "needs-info"), "DELETE", "/repos/acme/customer/issues/1/labels/needs-info", "{}"),
        ["assign"] = (new AssignUsers(Issue, ["pat"]), "POST", "/repos/acme/customer/issues/1/assignees", """{"assignees":["pat"]}"""),
        ["unassign"] = (new UnassignUsers(Issue, ["sam"]), "DELETE", "/repos/acme/customer/issues/1/assignees", """{"assignees":["sam"]}"""),
        ["react"] = (new ReactToComment(Issue, 77, "+1"), "POST", "/repos/acme/customer/issues/comments/77/reactions", """{"content":"+1"}"""),
        ["comment"] = (new PostComment(Issue, "Reminder: the post goes out tomorrow"), "POST", Comments, """{"body":"Reminder: the post goes out tomorrow"}"""),
        ["edit the bot's comment"] = (new UpsertBotComment(Issue, Marker, $"{Marker}\n✅ Ready"), "PATCH", "/repos/acme/customer/issues/comments/2",
            JsonSerializer.Serialize(new { body = $"{Marker}\n✅ Ready" })),
        ["edit the description"] = (new EditIssueBody(Issue, "### Publish date\n\n2026-12-01"), "PATCH", "/repos/acme/customer/issues/1",
            """{"body":"### Publish date\n\n2026-12-01"}"""),
    };

    [Theory]
    [MemberData(nameof(WriteEffects))]
    public async Task Every_write_sends_only_the_fields_it_changes(string write)
    {
        var (effect, method, path, body) = EachWrite[write];
        ExistingComments((2, "marketingbot[bot]", "Bot", $"{Marker}\nMissing: Channels"));
        const string issue = """{"id":1,"number":1,"title":"t","state":"open"}""";
        foreach (var (answerPath, answer) in new[]
        {
            ("/repos/acme/customer/issues/1/labels*", """[{"id":5,"name":"approved","color":"0e8a16"}]"""),
            ("/repos/acme/customer/labels/*", """{"id":5,"name":"approved","color":"0e8a16"}"""),
            ("/repos/acme/customer/issues/1/assignees", issue),
            ("/repos/acme/customer/issues/1", issue),
            ("/repos/acme/customer/issues/comments/77/reactions", """{"id":1,"content":"+1"}"""),
        })
            _github.Server.Given(Request.Create().WithPath(answerPath).UsingAnyMethod()).AtPriority(20)
                .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(answer));

        await _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [effect], CancellationToken.None);

        var sent = Assert.Single(_github.All, r => r.Method == method && r.Path == path);
        var expected = System.Text.Json.Nodes.JsonNode.Parse(body);
        var actual = System.Text.Json.Nodes.JsonNode.Parse(string.IsNullOrEmpty(sent.Body) ? "{}" : sent.Body);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, actual), $"{write} sent {sent.Body}, expected {body}");
        // Nothing else was written: reads (the bot's comments, the label) are all the rest.
        Assert.All(_github.All.Where(r => r != sent && r.Path.StartsWith("/repos", StringComparison.Ordinal)), r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public async Task Editing_a_description_sends_the_description_alone_so_the_milestone_and_the_rest_stay()
    {
        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/issues/1").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"id":1,"number":1,"title":"t","state":"open"}"""));

        await _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [new EditIssueBody(Issue, "### Publish date\n\n2026-12-01")], CancellationToken.None);

        var patch = Assert.Single(_github.All, r => r.Method == "PATCH");
        using var sent = JsonDocument.Parse(patch.Body!);
        Assert.Equal(["body"], sent.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("### Publish date\n\n2026-12-01", sent.RootElement.GetProperty("body").GetString());
    }

    [Fact]
    public async Task A_comment_the_bot_wrote_is_remembered_so_the_same_text_costs_nothing_and_new_text_is_written_straight_to_it()
    {
        ExistingComments();
        await Upsert($"{Marker}\nfirst");
        Assert.Single(_github.All, r => r.Method == "GET" && r.Path == Comments);

        var before = _github.All.Count;
        await Upsert($"{Marker}\nfirst");
        Assert.Equal(before, _github.All.Count);

        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/issues/comments/900").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"id":900,"body":"second"}"""));
        await Upsert($"{Marker}\nsecond");
        Assert.Single(_github.All.Skip(before));
        Assert.Equal("/repos/acme/customer/issues/comments/900", _github.All.Skip(before).Single().Path);
    }

    [Fact]
    public async Task A_remembered_comment_someone_deleted_is_looked_for_again_and_written_anew()
    {
        ExistingComments();
        await Upsert($"{Marker}\nfirst");
        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/issues/comments/900").UsingPatch()).AtPriority(-10)
            .RespondWith(Response.Create().WithStatusCode(404).WithHeader("Content-Type", "application/json").WithBody("""{"message":"Not Found"}"""));

        await Upsert($"{Marker}\nsecond");

        Assert.Equal(2, _github.All.Count(r => r.Method == "POST" && r.Path == Comments));
        Assert.Equal(2, _github.All.Count(r => r.Method == "GET" && r.Path == Comments));
    }

    [Fact]
    public async Task Removing_a_label_that_is_already_gone_succeeds()
    {
        _github.Server.Given(Request.Create().WithPath("/repos/acme/customer/issues/1/labels/needs-info").UsingDelete())
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("""{"message":"Label does not exist"}"""));
        await _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [new RemoveLabel(Issue, "needs-info")], CancellationToken.None);
        Assert.Single(_github.All, r => r.Method == "DELETE");
    }
}

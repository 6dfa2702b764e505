using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Support;

/// <summary>
/// One issue's comments as GitHub keeps them: list (GET), create (POST), edit (PATCH) — stateful,
/// so a second delivery sees the comment the first one wrote.
/// </summary>
public sealed class FakeIssueComments
{
    private readonly ConcurrentDictionary<long, (string Login, string Body)> _comments = new();
    private long _nextId = 1000;

    public FakeIssueComments(WireMockServer server, string repository, int number, string botLogin)
    {
        var list = $"/repos/{repository}/issues/{number}/comments";
        server.Given(Request.Create().WithPath(list).UsingGet()).RespondWith(Response.Create().WithCallback(_ =>
            JsonAnswer.With(200, new JsonArray(_comments.OrderBy(c => c.Key).Select(c => (JsonNode)Comment(c.Key, c.Value.Login, c.Value.Body)).ToArray()))));
        server.Given(Request.Create().WithPath(list).UsingPost()).RespondWith(Response.Create().WithCallback(request =>
        {
            var id = Interlocked.Increment(ref _nextId);
            _comments[id] = (botLogin, BodyOf(request));
            return JsonAnswer.With(201, Comment(id, botLogin, _comments[id].Body));
        }));
        server.Given(Request.Create().WithPath($"/repos/{repository}/issues/comments/*").UsingPatch()).RespondWith(Response.Create().WithCallback(request =>
        {
            var id = long.Parse(request.Path.Split('/')[^1]);
            _comments[id] = (_comments[id].Login, BodyOf(request));
            return JsonAnswer.With(200, Comment(id, _comments[id].Login, _comments[id].Body));
        }));
    }

    public IReadOnlyList<(long Id, string Login, string Body)> All => _comments.OrderBy(c => c.Key).Select(c => (c.Key, c.Value.Login, c.Value.Body)).ToList();

    /// <summary>A comment someone else wrote, as if it were already on the issue.</summary>
    public void Add(string login, string body) => _comments[Interlocked.Increment(ref _nextId)] = (login, body);

    private static string BodyOf(IRequestMessage request) => JsonNode.Parse(request.Body!)!["body"]!.GetValue<string>();

    private static JsonObject Comment(long id, string login, string body) => new()
    {
        ["id"] = id,
        ["node_id"] = $"IC_{id}",
        ["body"] = body,
        ["user"] = new JsonObject { ["login"] = login, ["id"] = login.Length, ["type"] = login.EndsWith("[bot]") ? "Bot" : "User" },
        ["html_url"] = $"https://github.com/comments/{id}",
        ["created_at"] = "2026-11-02T10:00:00Z",
        ["updated_at"] = "2026-11-02T10:00:00Z",
    };
}

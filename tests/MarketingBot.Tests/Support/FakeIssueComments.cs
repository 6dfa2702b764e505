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
/// so a second delivery sees the comment the first one wrote. Comment ids are unique across every
/// issue, as on GitHub, so the fakes of several issues on one server each edit their own.
/// </summary>
public sealed class FakeIssueComments
{
    private static readonly ConcurrentDictionary<long, FakeIssueComments> Owners = new();
    private static long _nextId = 1000;

    private readonly ConcurrentDictionary<long, (string Login, string Body)> _comments = new();

    public FakeIssueComments(WireMockServer server, string repository, int number, string botLogin)
    {
        var list = $"/repos/{repository}/issues/{number}/comments";
        server.Given(Request.Create().WithPath(list).UsingGet()).RespondWith(Response.Create().WithCallback(_ =>
            JsonAnswer.With(200, new JsonArray(_comments.OrderBy(c => c.Key).Select(c => (JsonNode)Comment(c.Key, c.Value.Login, c.Value.Body)).ToArray()))));
        server.Given(Request.Create().WithPath(list).UsingPost()).RespondWith(Response.Create().WithCallback(request =>
        {
            var id = Interlocked.Increment(ref _nextId);
            _comments[id] = (botLogin, BodyOf(request));
            Owners[id] = this;
            return JsonAnswer.With(201, Comment(id, botLogin, _comments[id].Body));
        }));
        server.Given(Request.Create().WithPath($"/repos/{repository}/issues/comments/*").UsingPatch()).RespondWith(Response.Create().WithCallback(request =>
        {
            var id = long.Parse(request.Path.Split('/')[^1]);
            if (!Owners.TryGetValue(id, out var owner)) return JsonAnswer.With(404, new JsonObject { ["message"] = "Not Found" });
            owner._comments[id] = (owner._comments[id].Login, BodyOf(request));
            return JsonAnswer.With(200, Comment(id, owner._comments[id].Login, owner._comments[id].Body));
        }));
    }

    public IReadOnlyList<(long Id, string Login, string Body)> All => _comments.OrderBy(c => c.Key).Select(c => (c.Key, c.Value.Login, c.Value.Body)).ToList();

    /// <summary>A comment someone else wrote, as if it were already on the issue.</summary>
    public void Add(string login, string body)
    {
        var id = Interlocked.Increment(ref _nextId);
        _comments[id] = (login, body);
        Owners[id] = this;
    }

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

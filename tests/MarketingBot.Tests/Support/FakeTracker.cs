using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Support;

/// <summary>
/// A repository's issues as GitHub keeps them, stateful: list (state and creator filters), get,
/// create, edit, and new comments. Answers below any more specific mapping a test sets up.
/// </summary>
public sealed class FakeTracker
{
    private readonly ConcurrentDictionary<int, JsonObject> _issues = new();
    private readonly string _bot;
    private int _next = 100;

    public FakeTracker(WireMockServer server, string repository = "acme/customer", string bot = "marketingbot[bot]")
    {
        _bot = bot;
        Repository = repository;
        server.Given(Request.Create().WithPath($"/repos/{repository}/issues*")).AtPriority(20).RespondWith(Response.Create().WithCallback(Answer));
    }

    public string Repository { get; }

    /// <summary>New comments by issue number, in order.</summary>
    public ConcurrentDictionary<int, ConcurrentQueue<string>> Comments { get; } = new();

    public IReadOnlyList<JsonObject> Created => _issues.Values.Where(i => i["user"]!["login"]!.GetValue<string>() != "requester" && i["number"]!.GetValue<int>() >= 100)
        .OrderBy(i => i["number"]!.GetValue<int>()).ToList();

    public JsonObject this[int number] => _issues[number];

    public void Add(int number, string title, string body, string author = "requester", string[]? assignees = null, string state = "open") =>
        _issues[number] = Issue(number, title, body, author, assignees ?? [], state);

    private JsonObject Issue(int number, string title, string body, string author, string[] assignees, string state) => new()
    {
        ["id"] = 5000 + number,
        ["node_id"] = $"I_t{number}",
        ["number"] = number,
        ["title"] = title,
        ["body"] = body,
        ["state"] = state,
        ["user"] = new JsonObject { ["login"] = author, ["id"] = author.Length, ["type"] = author.EndsWith("[bot]") ? "Bot" : "User" },
        ["assignees"] = new JsonArray(assignees.Select(a => (JsonNode)new JsonObject { ["login"] = a, ["id"] = a.Length }).ToArray()),
        ["labels"] = new JsonArray(),
        ["html_url"] = $"https://github.com/{Repository}/issues/{number}",
        ["url"] = $"https://api.github.com/repos/{Repository}/issues/{number}",
        ["created_at"] = "2026-11-02T10:00:00Z",
        ["updated_at"] = "2026-11-02T10:00:00Z",
    };

    private IResponseMessage Answer(IRequestMessage request)
    {
        var rest = request.Path[$"/repos/{Repository}/issues".Length..].Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var body = request.Body is { Length: > 0 } text ? JsonNode.Parse(text)!.AsObject() : new JsonObject();
        switch (request.Method, rest)
        {
            case ("GET", []):
                var state = Query(request, "state") ?? "open";
                var creator = Query(request, "creator");
                return JsonAnswer.With(200, new JsonArray(_issues.Values
                    .Where(i => state == "all" || i["state"]!.GetValue<string>() == state)
                    .Where(i => creator is null || i["user"]!["login"]!.GetValue<string>() == creator)
                    .OrderBy(i => i["number"]!.GetValue<int>()).Select(i => i.DeepClone()).ToArray()));
            case ("POST", []):
                var number = Interlocked.Increment(ref _next);
                var assignees = body["assignees"]?.AsArray().Select(a => a!.GetValue<string>()).ToArray() ?? [];
                _issues[number] = Issue(number, body["title"]!.GetValue<string>(), body["body"]?.GetValue<string>() ?? "", _bot, assignees, "open");
                return JsonAnswer.With(201, _issues[number].DeepClone());
            case ("GET", [var n]) when _issues.TryGetValue(int.Parse(n), out var issue):
                return JsonAnswer.With(200, issue.DeepClone());
            case ("PATCH", [var n]) when _issues.TryGetValue(int.Parse(n), out var issue):
                foreach (var field in new[] { "title", "body", "state" })
                    if (body[field] is { } value) issue[field] = value.DeepClone();
                return JsonAnswer.With(200, issue.DeepClone());
            case ("POST", [var n, "comments"]):
                Comments.GetOrAdd(int.Parse(n), _ => new()).Enqueue(body["body"]!.GetValue<string>());
                return JsonAnswer.With(201, new JsonObject { ["id"] = 7000 + Comments[int.Parse(n)].Count, ["body"] = body["body"]!.DeepClone() });
            case ("POST", ["comments", _, "reactions"]):
                return JsonAnswer.With(201, new JsonObject { ["id"] = 1, ["content"] = body["content"]?.DeepClone() });
            default:
                return JsonAnswer.With(404, new JsonObject { ["message"] = "Not Found" });
        }
    }

    private static string? Query(IRequestMessage request, string name) =>
        request.Query is { } query && query.TryGetValue(name, out var values) ? values.FirstOrDefault() : null;
}

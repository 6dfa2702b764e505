using System.Text;
using System.Text.Json.Nodes;

namespace MarketingBot.Tests.Support;

/// <summary>Payloads shaped like GitHub's, built here for the cases GitHub's published examples do not cover.</summary>
public static class Payloads
{
    /// <summary>An <c>issues</c> delivery as GitHub sends it to an App (installation included), padded to about 13 KB.</summary>
    /// <summary><c>projects_v2_item.edited</c> for #7's card on the fake board: someone changed its Status.</summary>
    public static byte[] CardStatusChanged(string sender = "pmm", string senderType = "User", string contentType = "Issue") =>
        Encoding.UTF8.GetBytes($$$"""
            {"action":"edited",
             "projects_v2_item":{"id":5678510,"node_id":"PVTI_{{{LiveBot.NodeId}}}","project_node_id":"{{{FakeProjects.ProjectId}}}","content_node_id":"{{{LiveBot.NodeId}}}",
               "content_type":"{{{contentType}}}","creator":{"login":"requester","id":1,"type":"User"},"created_at":"2026-11-02T09:30:00Z","updated_at":"2026-11-02T10:00:00Z","archived_at":null},
             "changes":{"field_value":{"field_node_id":"{{{FakeProjects.StatusFieldId}}}","field_type":"single_select"}},
             "organization":{"login":"acme","id":9},
             "sender":{"login":"{{{sender}}}","id":77,"type":"{{{senderType}}}"},
             "installation":{"id":{{{FakeGitHub.InstallationId}}}}}
            """);

    public static byte[] IssueEvent(string action, int number, string nodeId, long installationId = 42, int sequence = 0,
        string? title = null, string? body = null, string[]? labels = null, string state = "open", string[]? assignees = null, string? stateReason = null)
    {
        var payload = Envelope(action, "requester", "User", installationId);
        payload["issue"] = Issue(number, nodeId, title ?? $"Social post request {number}",
            body ?? $"### What should we share?\n\nSequence {sequence}. " + new string('x', 9000), labels, state, assignees, stateReason);
        return Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    /// <summary>An <c>issue_comment</c> delivery: <paramref name="commenter"/> wrote <paramref name="comment"/> on request #<paramref name="number"/>.</summary>
    public static byte[] IssueComment(string action, long commentId, string comment, string commenter, string commenterType = "User",
        int number = 7, string nodeId = "I_7", string title = "[Social post] Release 2.5", string? body = null, string[]? labels = null, string[]? assignees = null)
    {
        var payload = Envelope(action, commenter, commenterType, 42);
        payload["issue"] = Issue(number, nodeId, title, body ?? "", labels, "open", assignees, null);
        var author = User(commenter);
        author["type"] = commenterType;
        payload["comment"] = new JsonObject
        {
            ["id"] = commentId,
            ["node_id"] = $"IC_{commentId}",
            ["html_url"] = $"https://github.com/acme/customer/issues/{number}#issuecomment-{commentId}",
            ["body"] = comment,
            ["user"] = author,
            ["created_at"] = "2026-11-02T11:00:00Z",
            ["updated_at"] = "2026-11-02T11:00:00Z",
            ["author_association"] = "MEMBER",
        };
        return Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    private static JsonObject Issue(int number, string nodeId, string title, string body, string[]? labels, string state, string[]? assignees, string? stateReason) => new()
    {
        ["url"] = $"https://api.github.com/repos/acme/customer/issues/{number}",
        ["html_url"] = $"https://github.com/acme/customer/issues/{number}",
        ["id"] = 1000 + number,
        ["node_id"] = nodeId,
        ["number"] = number,
        ["title"] = title,
        ["user"] = User("requester"),
        ["labels"] = new JsonArray((labels ?? []).Select(l => (JsonNode)new JsonObject { ["id"] = l.Length, ["name"] = l, ["color"] = "ededed" }).ToArray()),
        ["state"] = state,
        ["state_reason"] = stateReason,
        ["locked"] = false,
        ["assignees"] = new JsonArray((assignees ?? []).Select(a => (JsonNode)User(a)).ToArray()),
        ["comments"] = 0,
        ["created_at"] = "2026-11-02T10:00:00Z",
        ["updated_at"] = "2026-11-02T10:00:00Z",
        ["author_association"] = "MEMBER",
        ["body"] = body,
    };

    private static JsonObject Envelope(string action, string sender, string senderType, long installationId)
    {
        var from = User(sender);
        from["type"] = senderType;
        return new JsonObject
        {
            ["action"] = action,
            ["repository"] = new JsonObject
            {
                ["id"] = 7,
                ["node_id"] = "R_kgDOAAAABw",
                ["name"] = "customer",
                ["full_name"] = "acme/customer",
                ["private"] = false,
                ["owner"] = User("acme"),
                ["html_url"] = "https://github.com/acme/customer",
                ["default_branch"] = "main",
            },
            ["organization"] = new JsonObject { ["login"] = "acme", ["id"] = 9, ["node_id"] = "O_kgDOAAAACQ" },
            ["sender"] = from,
            ["installation"] = new JsonObject { ["id"] = installationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=" },
        };
    }

    public static byte[] Ping() => Encoding.UTF8.GetBytes("""{"zen":"Keep it logically awesome.","hook_id":123,"hook":{"type":"App","id":123,"active":true,"events":["issues"]}}""");

    private static JsonObject User(string login) => new()
    {
        ["login"] = login,
        ["id"] = login.Length,
        ["node_id"] = "U_" + login,
        ["avatar_url"] = $"https://avatars.githubusercontent.com/u/{login.Length}?v=4",
        ["type"] = "User",
        ["site_admin"] = false,
        ["html_url"] = $"https://github.com/{login}",
    };
}

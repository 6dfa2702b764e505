using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Support;

/// <summary>
/// GitHub's GraphQL endpoint for one organisation project (Projects v2), stateful: items, their
/// Status and archived flag, and how often the project was looked up. Answers by operation name.
/// </summary>
public sealed partial class FakeProjects
{
    public const string ProjectId = "PVT_kwDOAAAACc4AAAAB";
    public const string StatusFieldId = "PVTSSF_status";

    private readonly ConcurrentDictionary<string, (string ItemId, string? Status, bool Archived)> _items = new();
    private int _lookups;

    public FakeProjects(WireMockServer server, string title = "Marketing Department Work Schedule")
    {
        Title = title;
        server.Given(Request.Create().WithPath("/graphql").UsingPost()).AtPriority(10).RespondWith(Response.Create().WithCallback(Answer));
    }

    public string Title { get; }

    /// <summary>Options of the Status field, by name → id; a test may change them to make cached ids stale.</summary>
    public ConcurrentDictionary<string, string> Options { get; } = new(new Dictionary<string, string>
    {
        ["Todo"] = "opt_todo", ["In Progress"] = "opt_progress", ["Done"] = "opt_done",
    });

    public bool ItemAddedWorkflowEnabled { get; set; }

    /// <summary>When true the project also has a "Request type" single select, a "Publish date" date and an "Estimate" number field.</summary>
    public bool HasRequestFields { get; set; }

    /// <summary>Values of fields other than Status, by card and field name.</summary>
    public ConcurrentDictionary<(string Content, string Field), string> FieldValues { get; } = new();

    /// <summary>The Request type options as a team names them on its board (not the workflow's "… request" names).</summary>
    public List<string> RequestTypeNames { get; } = ["Social post", "Blog post", "Demo"];

    public int Lookups => _lookups;

    /// <summary>The issues the cards show, by node id, as GraphQL returns an Issue.</summary>
    public ConcurrentDictionary<string, JsonObject> Issues { get; } = new();

    private readonly ConcurrentDictionary<string, (string Mover, DateTimeOffset At)> _moves = new();

    /// <summary>A person drags a card to another column (null: No Status); GitHub then names them as the Status value's creator.</summary>
    public void Move(string contentId, string? status, string mover = "pmm")
    {
        _items[contentId] = _items[contentId] with { Status = status };
        _moves[contentId] = (mover, DateTimeOffset.UtcNow);
    }

    /// <summary>Cards the bot did not put there (a person added them), to make the board longer than a page.</summary>
    public void AddOtherCards(int count)
    {
        for (var i = 0; i < count; i++) _items[$"I_other_{i:D5}"] = ($"PVTI_other_{i:D5}", "Todo", false);
    }

    /// <summary>Draft items on the board by item id, with their Estimate in hours (none: no value) and assignee.</summary>
    public ConcurrentDictionary<string, (string Title, double? Hours, string? Assignee)> Drafts { get; } = new();

    /// <summary>Draft items converted into issues, with the repository id they went to.</summary>
    public ConcurrentQueue<(string Item, string Repository)> Converted { get; } = new();

    public int DraftPages => _draftPages;

    private int _draftPages;

    /// <summary>How many pages of cards were read.</summary>
    public int ItemPages => _itemPages;

    private int _itemPages;

    public (string ItemId, string? Status, bool Archived)? ItemFor(string contentId) => _items.TryGetValue(contentId, out var item) ? item : null;

    private IResponseMessage Answer(IRequestMessage request)
    {
        var body = JsonNode.Parse(request.Body!)!;
        var query = body["query"]!.GetValue<string>();
        var variables = body["variables"]!;
        var operation = Operation().Match(query).Groups[1].Value;
        return operation switch
        {
            "BoardByTitle" or "BoardByNumber" => Lookup(operation, variables),
            "AddItem" => Add(variables["content"]!.GetValue<string>()),
            "SetFields" => SetFields(query, variables),
            "AddItems" => AddItems(query, variables),
            "CampaignPlan" => CampaignPlan(variables),
            "OpenStages" => OpenStages(query, variables),
            "Card" => Card(variables["item"]!.GetValue<string>()),
            "DraftItems" => DraftItems(variables["cursor"]?.GetValue<string>()),
            "ConvertDraft" => ConvertDraft(variables["item"]!.GetValue<string>(), variables["repository"]!.GetValue<string>()),
            "Items" => Items(variables["project"]!.GetValue<string>(), variables["cursor"]?.GetValue<string>()),
            "DeleteItem" => Delete(variables["item"]!.GetValue<string>()),
            "Archive" => Change(variables["item"]!.GetValue<string>(), i => i with { Archived = true }, "archiveProjectV2Item", "item"),
            "Unarchive" => Change(variables["item"]!.GetValue<string>(), i => i with { Archived = false }, "unarchiveProjectV2Item", "item", evenArchived: true),
            _ => Error("INTERNAL", $"the fake does not know {operation}"),
        };
    }

    private ResponseMessage Lookup(string operation, JsonNode variables)
    {
        Interlocked.Increment(ref _lookups);
        var project = new JsonObject
        {
            ["id"] = ProjectId,
            ["title"] = Title,
            ["fields"] = new JsonObject
            {
                ["nodes"] = new JsonArray(
                    new JsonObject { ["id"] = "PVTF_title", ["name"] = "Title", ["dataType"] = "TITLE" },
                    HasRequestFields
                        ? new JsonObject
                        {
                            ["id"] = "PVTSSF_type", ["name"] = "Request type", ["dataType"] = "SINGLE_SELECT",
                            ["options"] = new JsonArray(RequestTypeNames.Select(n => (JsonNode)new JsonObject { ["id"] = $"opt_{n}", ["name"] = n }).ToArray()),
                        }
                        : new JsonObject(),
                    HasRequestFields ? new JsonObject { ["id"] = "PVTF_date", ["name"] = "Publish date", ["dataType"] = "DATE" } : new JsonObject(),
                    HasRequestFields ? new JsonObject { ["id"] = "PVTF_estimate", ["name"] = "Estimate", ["dataType"] = "NUMBER" } : new JsonObject(),
                    new JsonObject
                    {
                        ["id"] = StatusFieldId, ["name"] = "Status", ["dataType"] = "SINGLE_SELECT",
                        ["options"] = new JsonArray(Options.Select(o => (JsonNode)new JsonObject { ["id"] = o.Value, ["name"] = o.Key }).ToArray()),
                    }),
            },
            ["workflows"] = new JsonObject
            {
                ["nodes"] = new JsonArray(new JsonObject { ["name"] = "Item added to project", ["enabled"] = ItemAddedWorkflowEnabled }),
            },
        };
        var organization = operation == "BoardByNumber"
            ? new JsonObject { ["projectV2"] = project }
            : new JsonObject { ["projectsV2"] = new JsonObject { ["nodes"] = new JsonArray(project) } };
        return JsonAnswer.With(200, new JsonObject { ["data"] = new JsonObject { ["organization"] = organization } });
    }

    private ResponseMessage Add(string content)
    {
        // Adding an item the project already has returns it as it is: an archived one stays archived, as on GitHub.
        var item = _items.GetOrAdd(content, c => ($"PVTI_{c}", null, false));
        return Data("addProjectV2ItemById", new JsonObject { ["item"] = new JsonObject { ["id"] = item.ItemId, ["isArchived"] = item.Archived } });
    }

    /// <summary>
    /// Field writes as GitHub runs them: each top-level mutation of the document in order, read from its <c>input</c>
    /// argument (variables or literals); one that fails is null in <c>data</c> with an error naming its path, the others still run.
    /// </summary>
    private ResponseMessage SetFields(string query, JsonNode variables)
    {
        var data = new JsonObject();
        var errors = new JsonArray();
        foreach (var (alias, mutation, input) in Mutations(query))
        {
            var item = Read(input, "itemId", variables)!;
            var fieldId = Read(input, "fieldId", variables)!;
            var value = input.Fields!.FirstOrDefault(f => f.Name.StringValue == "value")?.Value as GraphQLParser.AST.GraphQLObjectValue;
            var (member, given) = value is null ? ("", null) : (value.Fields![0].Name.StringValue, Read(value, value.Fields[0].Name.StringValue, variables));
            var error = mutation switch
            {
                "clearProjectV2ItemFieldValue" when fieldId == StatusFieldId => ChangeItem(item, i => i with { Status = null }),
                "updateProjectV2ItemFieldValue" when fieldId == StatusFieldId && member == "singleSelectOptionId" =>
                    Options.FirstOrDefault(o => o.Value == given).Key is { } status ? ChangeItem(item, i => i with { Status = status }) : ("NOT_FOUND", $"Could not resolve option {given}."),
                "updateProjectV2ItemFieldValue" when HasRequestFields => (fieldId, member) switch
                {
                    ("PVTSSF_type", "singleSelectOptionId") => SetField(item, "Request type", RequestTypeNames.FirstOrDefault(n => $"opt_{n}" == given)),
                    ("PVTF_date", "date") => SetField(item, "Publish date", given),
                    ("PVTF_estimate", "number") => SetField(item, "Estimate", given),
                    _ => ("NOT_FOUND", $"Could not resolve field {fieldId} for a {member} value."),
                },
                _ => ("NOT_FOUND", "Could not resolve to a node with the global id of the field."),
            };
            data[alias] = error is null ? new JsonObject { ["projectV2Item"] = new JsonObject { ["id"] = item } } : null;
            if (error is var (type, message)) errors.Add(new JsonObject { ["type"] = type, ["message"] = message, ["path"] = new JsonArray(alias) });
        }
        var answer = new JsonObject { ["data"] = data };
        if (errors.Count > 0) answer["errors"] = errors;
        return JsonAnswer.With(200, answer);
    }

    /// <summary>Each aliased <c>addProjectV2ItemById</c> of the document, as GitHub runs them: an item the project has is returned as it is.</summary>
    private ResponseMessage AddItems(string query, JsonNode variables)
    {
        var data = new JsonObject();
        foreach (var (alias, _, input) in Mutations(query))
        {
            var item = _items.GetOrAdd(Read(input, "contentId", variables)!, c => ($"PVTI_{c}", null, false));
            data[alias] = new JsonObject { ["item"] = new JsonObject { ["id"] = item.ItemId, ["isArchived"] = item.Archived } };
        }
        return JsonAnswer.With(200, new JsonObject { ["data"] = data });
    }

    /// <summary>Issues opened under a parent issue (sub-issues), by the parent's node id, in the order they were opened.</summary>
    public ConcurrentDictionary<string, List<(string Id, int Number, string Title, string Body, IReadOnlyList<string> Assignees)>> SubIssues { get; } = new();

    private int _nextIssue = 500;

    /// <summary>The brief with its repository and sub-issues, and <c>userN</c> for each <c>loginN</c> (null for a login GitHub does not know).</summary>
    private ResponseMessage CampaignPlan(JsonNode variables)
    {
        var brief = variables["brief"]!.GetValue<string>();
        var children = SubIssues.GetOrAdd(brief, _ => []);
        var data = new JsonObject
        {
            ["node"] = new JsonObject
            {
                ["id"] = brief, ["repository"] = new JsonObject { ["id"] = "R_customer" },
                ["subIssues"] = new JsonObject
                {
                    ["nodes"] = new JsonArray([.. children.Select(c => (JsonNode)new JsonObject
                        { ["id"] = c.Id, ["number"] = c.Number, ["title"] = c.Title, ["state"] = "OPEN", ["body"] = c.Body })]),
                },
            },
        };
        foreach (var (name, value) in variables.AsObject().Where(v => v.Key.StartsWith("login", StringComparison.Ordinal)))
            data[$"user{name["login".Length..]}"] = value!.GetValue<string>() == "ghost" ? null : new JsonObject { ["id"] = $"U_{value.GetValue<string>()}" };
        return JsonAnswer.With(200, new JsonObject { ["data"] = data });
    }

    /// <summary>Each aliased <c>createIssue</c>: a new issue of the repository under its parent.</summary>
    private ResponseMessage OpenStages(string query, JsonNode variables)
    {
        var data = new JsonObject();
        foreach (var (alias, _, input) in Mutations(query))
        {
            var number = Interlocked.Increment(ref _nextIssue);
            var assignees = input.Fields!.First(f => f.Name.StringValue == "assigneeIds").Value is GraphQLParser.AST.GraphQLVariable v
                ? variables[v.Name.StringValue]!.AsArray().Select(a => a!.GetValue<string>()).ToList() : [];
            SubIssues.GetOrAdd(Read(input, "parentIssueId", variables)!, _ => [])
                .Add(($"I_stage_{number}", number, Read(input, "title", variables)!, Read(input, "body", variables)!, assignees));
            data[alias] = new JsonObject { ["issue"] = new JsonObject { ["id"] = $"I_stage_{number}", ["number"] = number, ["url"] = $"https://github.com/acme/customer/issues/{number}" } };
        }
        return JsonAnswer.With(200, new JsonObject { ["data"] = data });
    }

    /// <summary>The top-level mutations of a document, in order: alias, the mutation's name, and its <c>input</c> argument.</summary>
    private static IEnumerable<(string Alias, string Mutation, GraphQLParser.AST.GraphQLObjectValue Input)> Mutations(string query) =>
        GraphQLParser.Parser.Parse(query).Definitions.OfType<GraphQLParser.AST.GraphQLOperationDefinition>().Single()
            .SelectionSet.Selections.OfType<GraphQLParser.AST.GraphQLField>()
            .Select(f => ((f.Alias?.Name ?? f.Name).StringValue, f.Name.StringValue,
                (GraphQLParser.AST.GraphQLObjectValue)f.Arguments!.Single(a => a.Name.StringValue == "input").Value));

    /// <summary>An input value as text, from a variable or a literal.</summary>
    private static string? Read(GraphQLParser.AST.GraphQLObjectValue input, string name, JsonNode variables) =>
        input.Fields!.FirstOrDefault(f => f.Name.StringValue == name)?.Value switch
        {
            GraphQLParser.AST.GraphQLVariable variable => variables[variable.Name.StringValue] is JsonValue v
                ? v.TryGetValue<double>(out var number) ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : v.GetValue<string>()
                : null,
            GraphQLParser.AST.GraphQLStringValue text => text.Value.ToString(),
            GraphQLParser.AST.GraphQLFloatValue or GraphQLParser.AST.GraphQLIntValue => input.Fields!.First(f => f.Name.StringValue == name).Value.ToString(),
            _ => null,
        };

    private (string Type, string Message)? ChangeItem(string itemId, Func<(string ItemId, string? Status, bool Archived), (string, string?, bool)> change)
    {
        var entry = _items.FirstOrDefault(i => i.Value.ItemId == itemId);
        if (entry.Key is null) return ("NOT_FOUND", $"Could not resolve to a node with the global id of '{itemId}'.");
        if (entry.Value.Archived) return ("UNPROCESSABLE", "The item is archived and cannot be updated");
        _items[entry.Key] = change(entry.Value);
        return null;
    }

    private ResponseMessage Change(string itemId, Func<(string ItemId, string? Status, bool Archived), (string, string?, bool)> change, string mutation, string payloadField,
        bool evenArchived = false)
    {
        var entry = _items.FirstOrDefault(i => i.Value.ItemId == itemId);
        if (entry.Key is null) return Error("NOT_FOUND", $"Could not resolve to a node with the global id of '{itemId}'.");
        if (entry.Value.Archived && !evenArchived) return Error("UNPROCESSABLE", "The item is archived and cannot be updated");
        _items[entry.Key] = change(entry.Value);
        return Data(mutation, new JsonObject { [payloadField] = new JsonObject { ["id"] = itemId } });
    }

    private (string Type, string Message)? SetField(string itemId, string field, string? value)
    {
        var entry = _items.FirstOrDefault(i => i.Value.ItemId == itemId);
        if (entry.Key is null || value is null) return ("NOT_FOUND", $"Could not resolve {itemId} or its value.");
        if (entry.Value.Archived) return ("UNPROCESSABLE", "The item is archived and cannot be updated");
        FieldValues[(entry.Key, field)] = value;
        return null;
    }

    private ResponseMessage Card(string itemId)
    {
        var entry = _items.FirstOrDefault(i => i.Value.ItemId == itemId);
        if (entry.Key is null) return Error("NOT_FOUND", $"Could not resolve to a node with the global id of '{itemId}'.");
        var values = entry.Value.Status is { } status
            ? new JsonArray(new JsonObject { ["name"] = status, ["field"] = new JsonObject { ["name"] = "Status" } })
            : new JsonArray();
        return JsonAnswer.With(200, new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["node"] = new JsonObject
                {
                    ["id"] = itemId,
                    ["isArchived"] = entry.Value.Archived,
                    ["project"] = new JsonObject { ["id"] = ProjectId },
                    ["fieldValues"] = new JsonObject { ["nodes"] = values },
                    ["content"] = Issues.TryGetValue(entry.Key, out var issue) ? issue.DeepClone() : new JsonObject(),
                },
            },
        });
    }

    /// <summary>One page of 100 cards, in a stable order, with the cursor GitHub's connections use.</summary>
    private ResponseMessage Items(string project, string? cursor)
    {
        Interlocked.Increment(ref _itemPages);
        if (project != ProjectId) return JsonAnswer.With(200, new JsonObject { ["data"] = new JsonObject { ["node"] = null } });
        var all = _items.OrderBy(i => i.Key, StringComparer.Ordinal).ToList();
        var start = cursor is null ? 0 : int.Parse(cursor);
        var page = all.Skip(start).Take(100).Select(i =>
        {
            var (mover, at) = _moves.TryGetValue(i.Key, out var move) ? move : ("marketingbot[bot]", DateTimeOffset.Parse("2026-11-02T09:30:00Z"));
            var values = i.Value.Status is { } status
                ? new JsonArray(new JsonObject { ["name"] = status, ["creator"] = new JsonObject { ["login"] = mover }, ["field"] = new JsonObject { ["name"] = "Status" } })
                : new JsonArray(new JsonObject());
            return (JsonNode)new JsonObject
            {
                ["id"] = i.Value.ItemId, ["isArchived"] = i.Value.Archived, ["updatedAt"] = at.ToString("O"),
                ["content"] = new JsonObject { ["id"] = i.Key, ["repository"] = new JsonObject { ["name"] = "customer", ["owner"] = new JsonObject { ["login"] = "acme" } } },
                ["fieldValues"] = new JsonObject { ["nodes"] = values },
            };
        }).ToArray();
        return ItemsPage(page, start, all.Count);
    }

    /// <summary>Issue cards and draft items, 100 a page; drafts carry their Estimate (a number field).</summary>
    private ResponseMessage DraftItems(string? cursor)
    {
        Interlocked.Increment(ref _draftPages);
        var all = _items.Select(i => (Id: i.Value.ItemId, Draft: ((string, double?, string?)?)null))
            .Concat(Drafts.Select(d => (Id: d.Key, Draft: ((string, double?, string?)?)d.Value)))
            .OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
        var start = cursor is null ? 0 : int.Parse(cursor);
        var page = all.Skip(start).Take(100).Select(i => (JsonNode)(i.Draft is var (title, hours, assignee)
            ? new JsonObject
            {
                ["id"] = i.Id, ["type"] = "DRAFT_ISSUE", ["isArchived"] = false,
                ["fieldValueByName"] = hours is { } h ? new JsonObject { ["number"] = h } : null,
                ["content"] = new JsonObject
                {
                    ["title"] = title, ["creator"] = new JsonObject { ["login"] = "pmm" },
                    ["assignees"] = new JsonObject { ["nodes"] = new JsonArray(assignee is null ? [] : [new JsonObject { ["login"] = assignee }]) },
                },
            }
            : new JsonObject { ["id"] = i.Id, ["type"] = "ISSUE", ["isArchived"] = false, ["fieldValueByName"] = null, ["content"] = new JsonObject() })).ToArray();
        return ItemsPage(page, start, all.Count);
    }

    /// <summary>A page of the project's items connection; the cursor is the offset of the next page.</summary>
    private static ResponseMessage ItemsPage(JsonNode[] page, int start, int total)
    {
        var more = start + page.Length < total;
        return JsonAnswer.With(200, new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["node"] = new JsonObject
                {
                    ["items"] = new JsonObject
                    {
                        ["pageInfo"] = new JsonObject { ["hasNextPage"] = more, ["endCursor"] = more ? (start + page.Length).ToString() : null },
                        ["nodes"] = new JsonArray(page),
                    },
                },
            },
        });
    }

    private ResponseMessage ConvertDraft(string item, string repository)
    {
        if (!Drafts.TryRemove(item, out _)) return Error("NOT_FOUND", $"Could not resolve to a node with the global id of '{item}'.");
        Converted.Enqueue((item, repository));
        return Data("convertProjectV2DraftIssueItemToIssue", new JsonObject { ["item"] = new JsonObject { ["id"] = item } });
    }

    private ResponseMessage Delete(string itemId)
    {
        var entry = _items.FirstOrDefault(i => i.Value.ItemId == itemId);
        if (entry.Key is null || !_items.TryRemove(entry.Key, out _)) return Error("NOT_FOUND", $"Could not resolve to a node with the global id of '{itemId}'.");
        return Data("deleteProjectV2Item", new JsonObject { ["deletedItemId"] = itemId });
    }

    private static ResponseMessage Data(string mutation, JsonNode payload) =>
        JsonAnswer.With(200, new JsonObject { ["data"] = new JsonObject { [mutation] = payload } });

    public static ResponseMessage Error(string type, string message) =>
        JsonAnswer.With(200, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["type"] = type, ["message"] = message }) });

    [GeneratedRegex(@"(?:query|mutation)\s+(\w+)")]
    private static partial Regex Operation();
}

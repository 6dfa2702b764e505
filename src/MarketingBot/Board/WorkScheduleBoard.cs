using System.Collections.Concurrent;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Requests;
using MarketingBot.Storage;

namespace MarketingBot.Board;

/// <summary>
/// Applies board effects through GitHub's GraphQL API. The project, its fields and options are
/// looked up once per installation and board and cached; when GitHub says an id is stale the
/// lookup is redone and the change tried once more. Configuration problems (no such project,
/// no Status option, the built-in "Item added" workflow setting a status) are reported, not retried.
/// </summary>
public sealed partial class WorkScheduleBoard(GitHubGraphQL graphQL, CardRecords records, TimeProvider time, ILogger<WorkScheduleBoard> logger)
{
    /// <summary>
    /// Board details (project, field and option ids, built-in workflows) are looked up again this often, so a team that
    /// changes its board (turns the "Item added" workflow on or off, adds an option) sees it noticed without a restart.
    /// </summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (Lazy<Task<BoardIds>> Ids, DateTimeOffset At)> _boards = new();
    private readonly ConcurrentDictionary<string, string> _problems = new();

    /// <summary>Field values last written per card and field, so an edit that changes neither writes nothing.</summary>
    private readonly ConcurrentDictionary<(string Content, string Field), string> _fieldsWritten = new();

    /// <summary>Configuration problems by board, for readiness and the dashboard.</summary>
    public IReadOnlyDictionary<string, string> Problems => _problems;

    public async Task ApplyAsync(long installationId, BoardEffect effect, CancellationToken cancellationToken)
    {
        var (issue, board) = (effect.Issue, effect.Board);
        var key = Key(installationId, issue.Owner, board);
        for (var attempt = 1; ; attempt++)
        {
            var ids = await IdsAsync(installationId, issue.Owner, board, cancellationToken);
            if (ids.Problem is { } problem)
            {
                _problems[key] = problem;
                LogProblem(logger, key, problem);
                _boards.TryRemove(key, out _);
                return;
            }
            _problems.TryRemove(key, out _);
            try
            {
                await ApplyAsync(installationId, ids, effect, cancellationToken);
                return;
            }
            catch (GitHubGraphQLException ex) when (ex.Type == "NOT_FOUND" && attempt == 1)
            {
                // A field or option was deleted or recreated since we cached its id.
                _boards.TryRemove(key, out _);
            }
        }
    }

    /// <summary>
    /// New issues (a campaign's stages) as cards in No Status, added in one request, with their due dates in the board's
    /// publish date field in one more.
    /// </summary>
    public async Task AddCardsAsync(long installationId, string owner, BoardLayout layout, IReadOnlyList<(string Content, DateOnly? Due)> cards,
        CancellationToken cancellationToken)
    {
        var ids = await IdsAsync(installationId, owner, layout, cancellationToken);
        if (ids.Problem is { } problem)
        {
            _problems[Key(installationId, owner, layout)] = problem;
            return;
        }
        var (add, variables) = BoardDocuments.AddItems(ids.ProjectId, [.. cards.Select(c => c.Content)]);
        var added = await graphQL.MutateAsync<System.Text.Json.JsonElement>(installationId, add, variables, cancellationToken);
        var items = cards.Select((card, i) => (card, Item: added.GetProperty($"card{i}").GetProperty("item").GetProperty("id").GetString()!)).ToList();
        foreach (var (card, item) in items) await records.RecordCardAsync(installationId, new BoardCard(card.Content, ids.ProjectId, item, null, IsArchived: false), Bot);
        if (!ids.Fields.TryGetValue(layout.PublishDateField, out var date) || date.DataType != "DATE") return;
        var dated = items.Where(c => c.card.Due is not null).Select(c => (c.Item, new FieldWrite(FieldWriteKind.Date, date.Id, c.card.Due!.Value.ToString("yyyy-MM-dd")))).ToList();
        if (dated.Count == 0) return;
        var (set, values) = BoardDocuments.SetFields(ids.ProjectId, dated);
        await graphQL.MutateAsync<object>(installationId, set, values, cancellationToken);
    }

    /// <summary>The installation's boards changed on GitHub: their details are looked up again at the next change.</summary>
    public void Forget(long installationId)
    {
        foreach (var key in _boards.Keys.Where(k => k.StartsWith($"{installationId}:", StringComparison.Ordinal))) _boards.TryRemove(key, out _);
    }

    /// <summary>The project and its Status columns (for <c>/status</c> and the two-hour scan); null when the board cannot be found.</summary>
    public async Task<FoundBoard?> FindBoardAsync(long installationId, string owner, BoardLayout board, CancellationToken cancellationToken)
    {
        var ids = await IdsAsync(installationId, owner, board, cancellationToken);
        return ids.Problem is null ? new FoundBoard(ids.ProjectId, ids.StatusOptions.Keys.ToList()) : null;
    }

    private static string Key(long installationId, string owner, BoardLayout board) =>
        $"{installationId}:{board.Owner ?? owner}:{board.Number?.ToString() ?? board.Title}";

    /// <summary>One lookup however many deliveries ask at once; a failed one is not kept.</summary>
    private async Task<BoardIds> IdsAsync(long installationId, string owner, BoardLayout board, CancellationToken cancellationToken)
    {
        var key = Key(installationId, owner, board);
        try
        {
            var now = time.GetUtcNow();
            var entry = _boards.AddOrUpdate(key,
                _ => (new Lazy<Task<BoardIds>>(() => FindAsync(installationId, board.Owner ?? owner, board, cancellationToken)), now),
                (_, cached) => now - cached.At < RefreshAfter ? cached
                    : (new Lazy<Task<BoardIds>>(() => FindAsync(installationId, board.Owner ?? owner, board, cancellationToken)), now));
            return await entry.Ids.Value;
        }
        catch
        {
            _boards.TryRemove(key, out _);
            throw;
        }
    }

    private async Task ApplyAsync(long installationId, BoardIds ids, BoardEffect effect, CancellationToken cancellationToken)
    {
        if (effect is RemoveFromBoard remove)
        {
            // The issue is gone, so its item can only be found through our own record of it.
            if (await records.FindCardAsync(remove.ContentNodeId) is not { } card) return;
            await graphQL.MutateAsync<object>(installationId, BoardDocuments.DeleteItem, new { project = card.ProjectId, item = card.ItemId }, cancellationToken);
            await records.RecordCardAsync(installationId, card with { Removed = true }, Bot);
            return;
        }
        var content = effect.ContentNodeId;
        if (effect is SetCardFields fields)
        {
            // The bot's record of the card saves a lookup; a card it never saw is added (adding returns an existing card).
            // An archived card (a request closed as not planned) takes no changes, and none are needed on it.
            var changes = FieldChanges(ids, fields.Issue, fields.Board, content, fields.Values);
            if (changes.Count == 0) return;
            var known = await records.FindCardAsync(content);
            if (known is { IsArchived: true }) return;
            await WriteFieldsAsync(installationId, ids, known?.ItemId ?? await ItemIdAsync(installationId, ids, content, cancellationToken), content, changes, cancellationToken);
            return;
        }
        var item = await ItemIdAsync(installationId, ids, content, cancellationToken, unarchive: effect is not ArchiveOnBoard);
        switch (effect)
        {
            case PlaceOnBoard place:
                if (place.Column is { } column && !ids.StatusOptions.ContainsKey(column))
                    throw new InvalidOperationException($"The board's Status field has no option '{column}'.");
                var status = place.Column is { } set
                    ? new FieldWrite(FieldWriteKind.Option, ids.StatusFieldId, ids.StatusOptions[set])
                    : new FieldWrite(FieldWriteKind.Clear, ids.StatusFieldId, null);
                await WriteFieldsAsync(installationId, ids, item, content,
                    [(null, status), .. FieldChanges(ids, place.Issue, place.Board, content, place.Fields ?? new Dictionary<string, string>())], cancellationToken);
                break;
            case ArchiveOnBoard:
                await graphQL.MutateAsync<object>(installationId, BoardDocuments.Archive, new { project = ids.ProjectId, item }, cancellationToken);
                break;
        }
        await records.RecordCardAsync(installationId, new BoardCard(content, ids.ProjectId, item, (effect as PlaceOnBoard)?.Column, IsArchived: effect is ArchiveOnBoard),
            (effect as PlaceOnBoard)?.By ?? Bot);
    }

    /// <summary>
    /// The request's card, added when missing. Adding returns a card the project already has as it is, archived ones
    /// too, and GitHub refuses every change to an archived card: one that is wanted on the board is unarchived first
    /// (a request reopened after "not planned").
    /// </summary>
    private async Task<string> ItemIdAsync(long installationId, BoardIds ids, string content, CancellationToken cancellationToken, bool unarchive = true)
    {
        var item = (await graphQL.MutateAsync<AddItemData>(installationId, BoardDocuments.AddItem, new { project = ids.ProjectId, content }, cancellationToken))
            .AddProjectV2ItemById.Item;
        if (item.IsArchived && unarchive)
            await graphQL.MutateAsync<object>(installationId, BoardDocuments.Unarchive, new { project = ids.ProjectId, item = item.Id }, cancellationToken);
        return item.Id;
    }

    /// <summary>The card fields whose value differs from what the bot last wrote, as writes, with the value to remember once sent.</summary>
    private List<((string Name, string Value)? Field, FieldWrite Write)> FieldChanges(BoardIds ids, IssueRef issue, BoardLayout board, string content, IReadOnlyDictionary<string, string> values)
    {
        var changes = new List<((string, string)?, FieldWrite)>();
        foreach (var (name, value) in values)
        {
            if (!ids.Fields.TryGetValue(name, out var field) || (_fieldsWritten.TryGetValue((content, name), out var before) && before == value)) continue;
            var optionProblem = $"{issue.Owner}/{board.Title}:{name}:{value}";
            if (field.DataType == "SINGLE_SELECT" && !field.Options.ContainsKey(value))
            {
                // Never a silent skip: the team sees which option to add (or which boardOption to name in the workflow file).
                var problem = $"the {name} field has no option \"{value}\" (its options: {string.Join(", ", field.Options.Keys)}); add it to the board, or name one with boardOption in the workflow file";
                if (_problems.TryAdd(optionProblem, problem)) LogProblem(logger, $"{issue.Owner}/{board.Title}", problem);
                continue;
            }
            _problems.TryRemove(optionProblem, out _);
            FieldWrite? write = field.DataType switch
            {
                "DATE" => new(FieldWriteKind.Date, field.Id, value),
                "TEXT" => new(FieldWriteKind.Text, field.Id, value),
                "NUMBER" when double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number) => new(FieldWriteKind.Number, field.Id, number),
                "SINGLE_SELECT" => new(FieldWriteKind.Option, field.Id, field.Options[value]),
                _ => null,
            };
            if (write is not null) changes.Add(((name, value), write));
        }
        return changes;
    }

    /// <summary>All of a card's changes in one GraphQL request; field values are remembered so an edit that changes nothing writes nothing.</summary>
    private async Task WriteFieldsAsync(long installationId, BoardIds ids, string item, string content, IReadOnlyList<((string Name, string Value)? Field, FieldWrite Write)> changes,
        CancellationToken cancellationToken)
    {
        var (document, variables) = BoardDocuments.SetFields(ids.ProjectId, [.. changes.Select(c => (item, c.Write))]);
        await graphQL.MutateAsync<object>(installationId, document, variables, cancellationToken);
        foreach (var (field, write) in changes)
            if (field is { } written) _fieldsWritten[(content, written.Name)] = written.Value;
    }

    /// <summary>Who the Status history names for the bot's own moves.</summary>
    private const string Bot = "MarketingBot";

    private async Task<BoardIds> FindAsync(long installationId, string owner, BoardLayout board, CancellationToken cancellationToken)
    {
        Project? project;
        if (board.Number is { } number)
            project = (await graphQL.QueryAsync<ByNumberData>(installationId, BoardDocuments.ByNumber, new { owner, number }, cancellationToken)).Organization?.ProjectV2;
        else
            project = (await graphQL.QueryAsync<ByTitleData>(installationId, BoardDocuments.ByTitle, new { owner, title = board.Title }, cancellationToken))
                .Organization?.ProjectsV2?.Nodes?.FirstOrDefault(p => string.Equals(p?.Title, board.Title, StringComparison.OrdinalIgnoreCase));
        if (project is null)
            return BoardIds.Broken($"no project {(board.Number is { } n ? $"number {n}" : $"titled '{board.Title}'")} in {owner} that the App can see (it needs the organisation Projects permission)");
        var status = project.Fields?.Nodes?.FirstOrDefault(f => string.Equals(f?.Name, board.StatusField, StringComparison.OrdinalIgnoreCase));
        if (status is not { Id: not null, Options: not null })
            return BoardIds.Broken($"project '{project.Title}' has no single-select field named '{board.StatusField}'");
        var missing = new[] { board.Approved, board.Done }.Where(c => !status.Options.Any(o => o.Name == c)).ToList();
        if (missing.Count > 0)
            return BoardIds.Broken($"the {board.StatusField} field of '{project.Title}' has no option {string.Join(" or ", missing.Select(m => $"'{m}'"))}");
        if (project.Workflows?.Nodes?.FirstOrDefault(w => w?.Name == "Item added to project" && w.Enabled) is not null)
        {
            // Still usable (the bot clears the Status it sets), so reported rather than refused.
            const string problem = "the project's built-in workflow \"Item added to project\" sets a Status on new items, which defeats the No Status rule; turn it off in the project's Workflows settings";
            if (_problems.TryAdd($"{owner}/{project.Title}:workflows", problem)) LogProblem(logger, project.Title, problem);
        }
        else _problems.TryRemove($"{owner}/{project.Title}:workflows", out _);
        var fields = (project.Fields?.Nodes ?? []).Where(f => f is { Id: not null, Name: not null, DataType: not null })
            .GroupBy(f => f!.Name!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => new FieldIds(g.First()!.Id!, g.First()!.DataType!,
                    (g.First()!.Options ?? []).DistinctBy(o => o.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(o => o.Name, o => o.Id, StringComparer.OrdinalIgnoreCase)),
                StringComparer.OrdinalIgnoreCase);
        return new BoardIds(project.Id, status.Id, status.Options.ToDictionary(o => o.Name, o => o.Id), fields, null);
    }

    public sealed record FoundBoard(string ProjectId, IReadOnlyList<string> Columns);

    private sealed record BoardIds(
        string ProjectId, string StatusFieldId, IReadOnlyDictionary<string, string> StatusOptions, IReadOnlyDictionary<string, FieldIds> Fields, string? Problem)
    {
        public static BoardIds Broken(string problem) => new("", "", new Dictionary<string, string>(), new Dictionary<string, FieldIds>(), problem);
    }

    private sealed record FieldIds(string Id, string DataType, IReadOnlyDictionary<string, string> Options);

    private sealed record ByNumberData(Organization? Organization);

    private sealed record ByTitleData(Organization? Organization);

    private sealed record Organization(Project? ProjectV2, Connection<Project>? ProjectsV2);

    private sealed record Connection<T>(List<T?>? Nodes);

    private sealed record Project(string Id, string Title, Connection<Field>? Fields, Connection<Workflow>? Workflows);

    private sealed record Field(string? Id, string? Name, string? DataType, List<Option>? Options);

    private sealed record Option(string Id, string Name);

    private sealed record Workflow(string Name, bool Enabled);

    private sealed record AddItemData(AddItemPayload AddProjectV2ItemById);

    private sealed record AddItemPayload(AddedItem Item);

    private sealed record AddedItem(string Id, bool IsArchived);

    private sealed record Item(string Id);

    [LoggerMessage(EventId = 700, Level = LogLevel.Error, Message = "Work Schedule board {Board}: {Problem}")]
    private static partial void LogProblem(ILogger logger, string board, string problem);
}

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
public sealed partial class WorkScheduleBoard(GitHubGraphQL graphQL, SqliteInbox records, ILogger<WorkScheduleBoard> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<BoardIds>>> _boards = new();
    private readonly ConcurrentDictionary<string, string> _problems = new();

    /// <summary>Configuration problems by board, for readiness and the dashboard.</summary>
    public IReadOnlyDictionary<string, string> Problems => _problems;

    public async Task ApplyAsync(long installationId, BoardEffect effect, CancellationToken cancellationToken)
    {
        var (issue, board) = (effect.Issue, effect.Board);
        var key = $"{installationId}:{board.Owner ?? issue.Owner}:{board.Number?.ToString() ?? board.Title}";
        for (var attempt = 1; ; attempt++)
        {
            BoardIds ids;
            try
            {
                // One lookup however many deliveries ask at once.
                ids = await _boards.GetOrAdd(key, _ => new Lazy<Task<BoardIds>>(() => FindAsync(installationId, board.Owner ?? issue.Owner, board, cancellationToken))).Value;
            }
            catch
            {
                _boards.TryRemove(key, out _);
                throw;
            }
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

    private async Task ApplyAsync(long installationId, BoardIds ids, BoardEffect effect, CancellationToken cancellationToken)
    {
        if (effect is RemoveFromBoard remove)
        {
            // The issue is gone, so its item can only be found through our own record of it.
            if (await records.FindCardAsync(remove.ContentNodeId) is not { } card) return;
            await graphQL.MutateAsync<object>(installationId, BoardDocuments.DeleteItem, new { project = card.ProjectId, item = card.ItemId }, cancellationToken);
            await records.RecordCardAsync(card with { Removed = true }, Bot);
            return;
        }
        var content = effect.ContentNodeId;
        var added = await graphQL.MutateAsync<AddItemData>(installationId, BoardDocuments.AddItem, new { project = ids.ProjectId, content }, cancellationToken);
        var item = added.AddProjectV2ItemById.Item.Id;
        switch (effect)
        {
            case PlaceOnBoard { Column: null }:
                await graphQL.MutateAsync<object>(installationId, BoardDocuments.ClearField,
                    new { project = ids.ProjectId, item, field = ids.StatusFieldId }, cancellationToken);
                break;
            case PlaceOnBoard { Column: { } column }:
                if (!ids.StatusOptions.TryGetValue(column, out var option))
                    throw new InvalidOperationException($"The board's Status field has no option '{column}'.");
                await graphQL.MutateAsync<object>(installationId, BoardDocuments.SetOption,
                    new { project = ids.ProjectId, item, field = ids.StatusFieldId, option }, cancellationToken);
                break;
            case ArchiveOnBoard:
                await graphQL.MutateAsync<object>(installationId, BoardDocuments.Archive, new { project = ids.ProjectId, item }, cancellationToken);
                break;
        }
        await records.RecordCardAsync(new BoardCard(content, ids.ProjectId, item, (effect as PlaceOnBoard)?.Column, IsArchived: effect is ArchiveOnBoard), Bot);
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
            _problems[$"{owner}/{project.Title}:workflows"] = problem;
            LogProblem(logger, project.Title, problem);
        }
        return new BoardIds(project.Id, status.Id, status.Options.ToDictionary(o => o.Name, o => o.Id), null);
    }

    private sealed record BoardIds(string ProjectId, string StatusFieldId, IReadOnlyDictionary<string, string> StatusOptions, string? Problem)
    {
        public static BoardIds Broken(string problem) => new("", "", new Dictionary<string, string>(), problem);
    }

    private sealed record ByNumberData(Organization? Organization);

    private sealed record ByTitleData(Organization? Organization);

    private sealed record Organization(Project? ProjectV2, Connection<Project>? ProjectsV2);

    private sealed record Connection<T>(List<T?>? Nodes);

    private sealed record Project(string Id, string Title, Connection<Field>? Fields, Connection<Workflow>? Workflows);

    private sealed record Field(string? Id, string? Name, List<Option>? Options);

    private sealed record Option(string Id, string Name);

    private sealed record Workflow(string Name, bool Enabled);

    private sealed record AddItemData(AddItemPayload AddProjectV2ItemById);

    private sealed record AddItemPayload(Item Item);

    private sealed record Item(string Id);

    [LoggerMessage(EventId = 700, Level = LogLevel.Error, Message = "Work Schedule board {Board}: {Problem}")]
    private static partial void LogProblem(ILogger logger, string board, string problem);
}

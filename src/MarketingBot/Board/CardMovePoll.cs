using System.Text.Json;
using System.Text.Json.Nodes;
using MarketingBot.Configuration;
using MarketingBot.GitHub;
using MarketingBot.Health;
using MarketingBot.Processing;
using MarketingBot.Requests;
using MarketingBot.Storage;
using Microsoft.Extensions.Options;

namespace MarketingBot.Board;

/// <summary>How the bot learns that a person moved a card, for one installation.</summary>
public sealed record CardMoveWatch(long InstallationId, string Account, bool Polls, string Reason)
{
    /// <summary>
    /// GitHub sends <c>projects_v2_item</c> only to an App installed on an organisation with the
    /// organisation Projects permission and subscribed to that event; anywhere else the bot has to poll.
    /// </summary>
    public static CardMoveWatch For(long installationId, string account, string? accountType, string? organizationProjects, IEnumerable<string> events)
    {
        string? why = !string.Equals(accountType, "Organization", StringComparison.OrdinalIgnoreCase) ? $"installed on a {accountType ?? "user"} account, not an organisation"
            : string.IsNullOrEmpty(organizationProjects) ? "the installation lacks the organisation Projects permission"
            : !events.Contains("projects_v2_item", StringComparer.OrdinalIgnoreCase) ? "the App is not subscribed to projects_v2_item events"
            : null;
        return new(installationId, account, Polls: why is not null, why ?? "projects_v2_item webhooks");
    }

    public string Describe(TimeSpan interval) =>
        $"{Account} (installation {InstallationId}): {(Polls ? $"polling every {interval} ({Reason})" : Reason)}";
}

/// <summary>
/// Finds cards people moved where GitHub sends no <c>projects_v2_item</c> events: every
/// <c>Bot__BoardPollInterval</c> it reads the boards of each such installation, 100 cards a page,
/// and compares each request's card with the bot's record of it. A difference is stored in the
/// inbox as a <c>projects_v2_item.edited</c> delivery, so the same handler reflects it, in order
/// with the request's other events, and a second poll before it is processed adds nothing.
/// </summary>
public sealed partial class CardMovePoll(
    IServiceProvider services,
    Inbox inbox,
    CardRecords cards,
    DeliverySignal signal,
    WorkflowSource workflows,
    IOptions<BotSettings> settings,
    DryRunMode dryRun,
    BackgroundLoops loops,
    ILogger<CardMovePoll> logger) : BackgroundService
{
    private IReadOnlyList<CardMoveWatch>? _watches;

    /// <summary>For readiness: how each installation's card moves reach the bot.</summary>
    public string Mode =>
        dryRun.IsOn ? $"card moves are not polled in dry run ({dryRun.Reason})"
        : _watches is null ? $"card moves: installations not checked yet (first check within {settings.Value.BoardPollInterval})"
        : _watches.Count == 0 ? "card moves: the App has no installations"
        : "card moves: " + string.Join("; ", _watches.Select(w => w.Describe(settings.Value.BoardPollInterval)));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => dryRun.IsOn
        ? Task.CompletedTask
        : loops.EveryAsync("card-poll", settings.Value.BoardPollInterval, runAtStart: false, RunAsync, stoppingToken);

    /// <summary>One poll: decides each installation's mode, then polls those without webhooks. Returns the moves queued.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var clients = services.GetRequiredService<GitHubClients>();
        var watches = (await clients.ForApp().GitHubApps.GetAllInstallationsForCurrent())
            .Select(i => CardMoveWatch.For(i.Id, i.Account?.Login ?? $"installation {i.Id}", i.Account?.Type?.ToString(),
                i.Permissions?.OrganizationProjects?.StringValue, i.Events ?? []))
            .ToList();
        foreach (var watch in watches.Where(w => w.Polls && _watches?.Any(o => o.InstallationId == w.InstallationId && o.Polls) != true))
            LogPolling(logger, watch.Account, watch.Reason);
        _watches = watches;

        var queued = 0;
        foreach (var watch in watches.Where(w => w.Polls))
        {
            var known = (await cards.ListCardsAsync(watch.InstallationId)).ToDictionary(c => c.ContentNodeId);
            foreach (var project in known.Values.Select(c => c.ProjectId).Distinct())
                queued += await PollProjectAsync(watch.InstallationId, project, known, cancellationToken);
        }
        return queued;
    }

    private async Task<int> PollProjectAsync(long installationId, string projectId, IReadOnlyDictionary<string, BoardCard> known, CancellationToken cancellationToken)
    {
        var graphQL = services.GetRequiredService<GitHubGraphQL>();
        var queued = 0;
        await foreach (var item in ProjectItems.ReadAsync<Item>(graphQL, installationId, BoardDocuments.Items, cursor => new { project = projectId, cursor }, cancellationToken))
        {
            if (item.Content is not { Id: { } content, Repository: { } repository } || !known.TryGetValue(content, out var card)) continue;
            var statusField = (await workflows.ForRepositoryAsync(installationId, repository.Owner.Login, repository.Name)).Board?.StatusField;
            var status = item.FieldValues?.Nodes?.FirstOrDefault(v => string.Equals(v?.Field?.Name, statusField, StringComparison.OrdinalIgnoreCase));
            if (status?.Name == card.Status && item.IsArchived == card.IsArchived) continue;
            if (await inbox.StoreAsync(Delivery(installationId, projectId, item, content, status)) == StoreOutcome.Queued) queued++;
        }
        if (queued > 0) signal.Notify();
        return queued;
    }

    /// <summary>
    /// The move as GitHub would have delivered it. The id names the card's state, so polling the
    /// same move again is a repeat the inbox answers once. The mover is who set the Status value
    /// as GitHub reports it; a cleared Status names nobody.
    /// </summary>
    private static IncomingDelivery Delivery(long installationId, string projectId, Item item, string content, FieldValue? status)
    {
        var mover = status?.Creator?.Login is { } login && !login.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase) ? login : "someone";
        var payload = new JsonObject
        {
            ["action"] = "edited",
            ["projects_v2_item"] = new JsonObject
            {
                ["node_id"] = item.Id, ["project_node_id"] = projectId, ["content_node_id"] = content, ["content_type"] = "Issue",
                ["updated_at"] = item.UpdatedAt.ToString("O"),
            },
            ["sender"] = new JsonObject { ["login"] = mover, ["type"] = "User" },
            ["installation"] = new JsonObject { ["id"] = installationId },
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(payload);
        var guid = $"board-poll:{item.Id}:{status?.Name ?? BoardCard.NoStatus}:{item.IsArchived}:{item.UpdatedAt.ToUnixTimeMilliseconds()}";
        return new IncomingDelivery(guid, "projects_v2_item", "edited", installationId, content, body);
    }

    private sealed record Item(string Id, bool IsArchived, DateTimeOffset UpdatedAt, Content? Content, Connection<FieldValue>? FieldValues);

    private sealed record Connection<T>(List<T?>? Nodes);

    private sealed record Content(string? Id, Repository? Repository);

    private sealed record Repository(string Name, Account Owner);

    private sealed record Account(string Login);

    private sealed record FieldValue(string? Name, Account? Creator, FieldName? Field);

    private sealed record FieldName(string? Name);

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning,
        Message = "Work Schedule board of {Account}: GitHub sends no card moves ({Reason}); polling the board instead")]
    private static partial void LogPolling(ILogger logger, string account, string reason);
}

using MarketingBot.Board;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Storage;
using Octokit;

namespace MarketingBot.Reminders;

/// <summary>
/// Reads what the two-hour rule needs for one tracker — open issues' task lists (REST, 100 a
/// page) and the board's draft items with their Estimate (GraphQL, 100 a page) — lets
/// <see cref="TwoHourRules"/> decide, sends the reminders and records them.
/// </summary>
public sealed class TwoHourScan(
    IServiceProvider services, WorkScheduleBoard board, NagRecords records, IEffectExecutor effects, TimeProvider time)
{
    public async Task<string> RunAsync(Tracker tracker, CancellationToken cancellationToken)
    {
        var rule = tracker.Workflow.TwoHourRule;
        if (rule is null) return $"{tracker.Place}: the two-hour rule is off";
        var threshold = TimeSpan.FromHours((double)rule.ThresholdHours);
        var found = new List<UntrackedTask>();
        var github = services.GetRequiredService<GitHubClients>().ForInstallation(tracker.InstallationId);
        foreach (var repository in rule.Repositories.DefaultIfEmpty(tracker.Repository))
        {
            var open = await github.Issue.GetAllForRepository(tracker.Owner, repository, new RepositoryIssueRequest { State = ItemStateFilter.Open },
                new ApiOptions { PageSize = 100 });
            foreach (var issue in open.Where(i => i.PullRequest is null && !IsBotsOwn(i.Body)))
            {
                var where = new IssueRef(tracker.Owner, repository, issue.Number);
                IReadOnlyList<string> owners = issue.Assignees.Count > 0 ? issue.Assignees.Select(a => a.Login).ToList() : [issue.User.Login];
                found.AddRange(TaskLines.Find(issue.Body)
                    .Where(t => !t.Checked && !t.LinksIssue && t.Estimate > threshold)
                    .Select(t => new UntrackedTask($"{where}:{t.Title.ToLowerInvariant()}", t.Title, t.Estimate!.Value.TotalHours, where, issue.NodeId, owners)));
            }
        }
        var drafts = await DraftsAsync(tracker, threshold, cancellationToken);
        if (drafts is not null) found.AddRange(drafts);

        var snoozes = new Dictionary<string, DateTimeOffset>();
        foreach (var node in found.Select(t => t.IssueNodeId).OfType<string>().Distinct())
            if (await records.SnoozedUntilAsync(node) is { } until) snoozes[node] = until;
        var decision = TwoHourRules.Decide(tracker, found, await records.ReadOpenNagsAsync(tracker.Place), drafts is not null, snoozes, time.GetUtcNow());

        await effects.ApplyAsync(tracker.InstallationId, decision.Effects, cancellationToken);
        // Recorded once sent: a failed send is tried again at the next run instead of waiting out a cool-down.
        foreach (var task in decision.Nagged) await records.RecordNagAsync(task.Key, tracker.Place, task.Title);
        foreach (var item in decision.Resolved) await records.ResolveNagAsync(item);
        return $"{tracker.Place}: {decision.Outcome}{(drafts is null ? " (board not read)" : "")}";
    }

    /// <summary>Issues the bot opened (the digest, reviews) start with its marker; their lines are never tasks to nag about.</summary>
    private static bool IsBotsOwn(string? body) => body?.StartsWith("<!-- marketingbot:", StringComparison.Ordinal) == true;

    /// <summary>Null when the workflow has no board or the board cannot be read; the problem is reported by the board itself.</summary>
    private async Task<IReadOnlyList<UntrackedTask>?> DraftsAsync(Tracker tracker, TimeSpan threshold, CancellationToken cancellationToken)
    {
        if (tracker.Workflow.Board is not { } layout) return null;
        if (await board.FindBoardAsync(tracker.InstallationId, tracker.Owner, layout, cancellationToken) is not { } found) return null;
        var graphQL = services.GetRequiredService<GitHubGraphQL>();
        var drafts = new List<UntrackedTask>();
        var items = ProjectItems.ReadAsync<Item>(graphQL, tracker.InstallationId, BoardDocuments.DraftItems,
            cursor => new { project = found.ProjectId, cursor, estimate = layout.EstimateField }, cancellationToken);
        await foreach (var item in items)
        {
            if (item is not { Type: "DRAFT_ISSUE", IsArchived: false, Content.Title: { } title } || Hours(item.FieldValueByName) is not { } hours) continue;
            if (TimeSpan.FromHours(hours) <= threshold) continue;
            var assignees = item.Content.Assignees?.Nodes?.OfType<Account>().Select(a => a.Login).ToList() ?? [];
            IReadOnlyList<string> owners = assignees.Count > 0 ? assignees : item.Content.Creator is { } creator ? [creator.Login] : [];
            drafts.Add(new UntrackedTask($"draft:{item.Id}", title, hours, null, null, owners));
        }
        return drafts;
    }

    /// <summary>A number field holds hours; a text field may say <c>3h</c> or <c>1d</c>.</summary>
    private static double? Hours(FieldValue? value) =>
        value?.Number is { } number ? number
        : value?.Text is { } text ? (double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var plain) ? plain : TaskLines.EstimateOf(text)?.TotalHours)
        : null;

    private sealed record Item(string Id, string Type, bool IsArchived, FieldValue? FieldValueByName, Draft? Content);

    private sealed record FieldValue(double? Number, string? Text);

    private sealed record Draft(string? Title, Account? Creator, Connection<Account>? Assignees);

    private sealed record Connection<T>(List<T?>? Nodes);

    private sealed record Account(string Login);
}

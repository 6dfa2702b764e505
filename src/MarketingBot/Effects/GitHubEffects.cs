using System.Collections.Concurrent;
using System.Net;
using MarketingBot.GitHub;
using Octokit;

namespace MarketingBot.Effects;

/// <summary>Applies effects through GitHub's REST API, each as the difference from what is there now.</summary>
public sealed class GitHubEffects(GitHubClients clients, GitHubGraphQL graphQL, BotCommentRecords botComments) : IEffectExecutor
{
    /// <summary>Labels known to exist, per repository, so each is looked up once per process.</summary>
    private readonly ConcurrentDictionary<string, bool> _knownLabels = new(StringComparer.OrdinalIgnoreCase);

    private readonly Lazy<Task<string>> _botLogin = new(async () =>
        (await clients.ForApp().GitHubApps.GetCurrent().ConfigureAwait(false)).Slug + "[bot]");

    public async Task ApplyAsync(long? installationId, IReadOnlyList<Effect> effects, CancellationToken cancellationToken)
    {
        if (effects.Count == 0) return;
        var github = clients.ForInstallation(installationId
            ?? throw new InvalidOperationException("The delivery names no installation, so the bot cannot act on GitHub for it."));
        foreach (var effect in effects)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await (effect switch
            {
                UpsertBotComment c => UpsertCommentAsync(github, c),
                AddLabels a => AddLabelsAsync(github, a),
                AssignUsers a => github.Issue.Assignee.AddAssignees(a.Issue.Owner, a.Issue.Repository, a.Issue.Number,
                    new AssigneesUpdate(a.Logins.ToList())),
                RemoveLabel r => RemoveLabelAsync(github, r),
                UnassignUsers u => github.Issue.Assignee.RemoveAssignees(u.Issue.Owner, u.Issue.Repository, u.Issue.Number,
                    new AssigneesUpdate(u.Logins.ToList())),
                // Reacting twice with the same reaction returns the existing one, so a retried delivery adds nothing.
                ReactToComment r => github.Reaction.IssueComment.Create(r.Issue.Owner, r.Issue.Repository, r.CommentId,
                    new NewReaction(r.Reaction == ReactToComment.Done ? ReactionType.Plus1 : ReactionType.Confused)),
                EditIssueBody e => PatchIssueAsync(github, e.Issue.Owner, e.Issue.Repository, e.Issue.Number, new { body = e.Body }),
                PostComment p => github.Issue.Comment.Create(p.Issue.Owner, p.Issue.Repository, p.Issue.Number, Fit(p.Body)),
                UpsertTrackerIssue u => UpsertTrackerIssueAsync(github, u),
                Reminders.ConvertTasks c => ConvertTasksAsync(github, c),
                Reminders.ConvertDrafts d => ConvertDraftsAsync(installationId.Value, github, d, cancellationToken),
                _ => throw new NotSupportedException($"No GitHub adapter for {effect.GetType().Name}."),
            }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Anyone can paste the marker, so the comment must also be the App's own. Unchanged text is not
    /// written again: every edit notifies subscribers and spends rate limit.
    /// </summary>
    private async Task UpsertCommentAsync(IGitHubClient github, UpsertBotComment effect)
    {
        var (owner, repo, number) = (effect.Issue.Owner, effect.Issue.Repository, effect.Issue.Number);
        var body = Fit(effect.Body);
        if (await botComments.FindAsync(effect.Issue, effect.Marker).ConfigureAwait(false) is { } known)
        {
            if (known.BodyHash == BotCommentRecords.Hash(body)) return;
            try
            {
                await github.Issue.Comment.Update(owner, repo, known.CommentId, body).ConfigureAwait(false);
                await botComments.SaveAsync(effect.Issue, effect.Marker, known.CommentId, body).ConfigureAwait(false);
                return;
            }
            catch (NotFoundException)
            {
                // Someone deleted it: look again, and write a new one if it is really gone.
                await botComments.ForgetAsync(effect.Issue, effect.Marker).ConfigureAwait(false);
            }
        }
        var login = await _botLogin.Value.ConfigureAwait(false);
        var comments = await github.Issue.Comment.GetAllForIssue(owner, repo, number, new ApiOptions { PageSize = 100 }).ConfigureAwait(false);
        var mine = comments.FirstOrDefault(c =>
            string.Equals(c.User?.Login, login, StringComparison.OrdinalIgnoreCase) && c.Body?.Contains(effect.Marker, StringComparison.Ordinal) == true);
        var id = mine?.Id;
        if (mine is null)
            id = (await github.Issue.Comment.Create(owner, repo, number, body).ConfigureAwait(false)).Id;
        else if (mine.Body != body)
            await github.Issue.Comment.Update(owner, repo, mine.Id, body).ConfigureAwait(false);
        await botComments.SaveAsync(effect.Issue, effect.Marker, id!.Value, body).ConfigureAwait(false);
    }

    /// <summary>GitHub would create a missing label itself, but grey and without a description; the team's colours come first.</summary>
    private async Task AddLabelsAsync(IGitHubClient github, AddLabels effect)
    {
        var (owner, repo) = (effect.Issue.Owner, effect.Issue.Repository);
        foreach (var label in effect.Labels)
        {
            var key = $"{owner}/{repo}:{label.Name}";
            if (_knownLabels.ContainsKey(key)) continue;
            try
            {
                await github.Issue.Labels.Get(owner, repo, label.Name).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                try
                {
                    await github.Issue.Labels.Create(owner, repo, new NewLabel(label.Name, label.Color) { Description = label.Description }).ConfigureAwait(false);
                }
                catch (ApiValidationException)
                {
                    // Created meanwhile by someone else: it exists, which is all we need.
                }
            }
            _knownLabels[key] = true;
        }
        await github.Issue.Labels.AddToIssue(owner, repo, effect.Issue.Number, effect.Labels.Select(l => l.Name).ToArray()).ConfigureAwait(false);
    }

    private static async Task RemoveLabelAsync(IGitHubClient github, RemoveLabel effect)
    {
        try
        {
            await github.Issue.Labels.RemoveFromIssue(effect.Issue.Owner, effect.Issue.Repository, effect.Issue.Number, effect.Label).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: the desired state holds.
        }
    }

    /// <summary>Waits until a second has passed since the last issue this process created, then lets one more through.</summary>
    /// <summary>GitHub refuses a comment or issue body over 65,536 characters: a longer one is cut, and says so, rather than never posted.</summary>
    internal static string Fit(string body)
    {
        const int limit = 65_536;
        const string cut = "\n\n… *(cut here: GitHub takes at most 65,536 characters)*\n";
        if (body.Length <= limit) return body;
        var keep = limit - cut.Length;
        // Never split a surrogate pair: half an emoji is not valid text.
        if (char.IsHighSurrogate(body[keep - 1])) keep--;
        return body[..keep] + cut;
    }

    /// <summary>
    /// Changes only the <paramref name="fields"/> given. Octokit's <see cref="IssueUpdate"/> sends every field it has, and
    /// GitHub reads its <c>"milestone": null</c> as "remove the milestone": editing a description took the milestone away.
    /// </summary>
    private static Task PatchIssueAsync(IGitHubClient github, string owner, string repo, int number, object fields) =>
        github.Connection.Patch<Issue>(new Uri($"repos/{Uri.EscapeDataString(owner)}/{Uri.EscapeDataString(repo)}/issues/{number}", UriKind.Relative), fields);

    private async Task UpsertTrackerIssueAsync(IGitHubClient github, UpsertTrackerIssue effect)
    {
        var (owner, repo) = (effect.Owner, effect.Repository);
        var login = await _botLogin.Value.ConfigureAwait(false);
        var request = new RepositoryIssueRequest { Creator = login, State = effect.IncludeClosed ? ItemStateFilter.All : ItemStateFilter.Open };
        var mine = (await github.Issue.GetAllForRepository(owner, repo, request, new ApiOptions { PageSize = 100 }).ConfigureAwait(false))
            .FirstOrDefault(i => i.PullRequest is null && i.Body?.Contains(effect.Marker, StringComparison.Ordinal) == true);
        int number;
        if (mine is null)
        {
            var issue = new NewIssue(effect.Title) { Body = Fit(effect.Body) };
            foreach (var assignee in effect.Assignees) issue.Assignees.Add(assignee);
            number = (await github.Issue.Create(owner, repo, issue).ConfigureAwait(false)).Number;
        }
        else
        {
            number = mine.Number;
            if (mine.State.Value == ItemState.Open && (mine.Body != Fit(effect.Body) || mine.Title != effect.Title))
                await PatchIssueAsync(github, owner, repo, number, new { title = effect.Title, body = Fit(effect.Body) }).ConfigureAwait(false);
        }
        if (effect.Comment is { } comment) await github.Issue.Comment.Create(owner, repo, number, Fit(comment)).ConfigureAwait(false);
    }

    /// <summary>
    /// One task at a time: the issue is created, then its line linked at once, so a retry after a failure
    /// finds the converted lines linked and does not create their issues again.
    /// </summary>
    private async Task ConvertTasksAsync(IGitHubClient github, Reminders.ConvertTasks effect)
    {
        var (owner, repo, number) = (effect.Issue.Owner, effect.Issue.Repository, effect.Issue.Number);
        foreach (var task in effect.Tasks)
        {
            var body = (await github.Issue.Get(owner, repo, number).ConfigureAwait(false)).Body ?? "";
            if (Reminders.TaskLines.Find(body).FirstOrDefault(t => t.Text == task.Text && !t.Checked && !t.LinksIssue) is not { } line) continue;
            var created = await github.Issue.Create(owner, repo, new NewIssue(task.Title)
            {
                Body = $"Estimate: {Reminders.TwoHourRules.Hours(task.Hours)}\n\nSplit out of {effect.IssueUrl} with `/convert` (every task over two hours is an issue).",
            }).ConfigureAwait(false);
            await PatchIssueAsync(github, owner, repo, number, new { body = Reminders.TaskLines.Link(body, line.Line, $"#{created.Number}") }).ConfigureAwait(false);
        }
    }

    private async Task ConvertDraftsAsync(long installationId, IGitHubClient github, Reminders.ConvertDrafts effect, CancellationToken cancellationToken)
    {
        var repository = (await github.Repository.Get(effect.Owner, effect.Repository).ConfigureAwait(false)).NodeId;
        foreach (var item in effect.ItemIds)
        {
            try
            {
                await graphQL.MutateAsync<object>(installationId, Board.BoardDocuments.ConvertDraft, new { item, repository }, cancellationToken).ConfigureAwait(false);
            }
            catch (GitHubGraphQLException ex) when (ex.Type == "NOT_FOUND")
            {
                // No longer a draft: converted already (a retried delivery) or deleted; either way there is nothing to convert.
            }
        }
    }
}

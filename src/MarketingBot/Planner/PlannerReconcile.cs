using MarketingBot.Board;
using MarketingBot.Commands;
using MarketingBot.Configuration;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Health;
using MarketingBot.Requests;
using Microsoft.Extensions.Options;
using Octokit;

namespace MarketingBot.Planner;

/// <summary>What a reconcile run found and did.</summary>
public sealed record ReconcileReport(DateTimeOffset At, string Outcome, int Requests, int Restored, int Rewritten, IReadOnlyList<string> Orphans);

/// <summary>
/// Heals drift between GitHub and the Content Planner: every open request's row is compared with
/// what it should say; missing rows are restored and edited bot cells rewritten. A row whose
/// issue no longer exists is reported, never deleted — people may have notes on it.
/// </summary>
public sealed partial class PlannerReconcile(
    IServiceProvider services,
    Installations.InstalledRepositories repositories,
    CardRecords cards,
    ApprovalRecords approvals,
    PlannerMirror mirror,
    IOptions<PlannerSettings> settings,
    DryRunMode dryRun,
    TimeProvider time,
    BackgroundLoops loops,
    ILogger<PlannerReconcile> logger) : BackgroundService
{
    public ReconcileReport? LastRun { get; private set; }

    /// <summary>Closed requests this recent are reconciled too; older rows are left as people keep them.</summary>
    public static readonly TimeSpan ClosedWindow = TimeSpan.FromDays(90);

    /// <summary>The first run after start comes this soon (or at the interval, when shorter): a crash may have left rows behind.</summary>
    public static readonly TimeSpan FirstRunAfterStart = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = settings.Value.ReconcileInterval;
        try
        {
            await Task.Delay(interval < FirstRunAfterStart ? interval : FirstRunAfterStart, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await loops.EveryAsync(Component, interval, runAtStart: true, RunAsync, stoppingToken);
    }

    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>
    /// Starts a reconcile now, in the background (the dashboard's button, <c>MarketingBot reconcile</c>); false when one
    /// is already running. Its outcome shows in <c>/readyz</c> and on the dashboard like any other run's.
    /// </summary>
    public bool StartNow()
    {
        if (!_running.Wait(0)) return false;
        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(CancellationToken.None);
                loops.Succeeded(Component);
            }
            catch (Exception ex)
            {
                loops.Failed(Component, ex);
            }
            finally
            {
                _running.Release();
            }
        });
        return true;
    }

    private const string Component = "planner-reconcile";

    /// <summary>One reconcile; a failure is kept as the last run (for <c>/readyz</c>) and thrown to the caller.</summary>

    public async Task<ReconcileReport> RunAsync(CancellationToken cancellationToken)
    {
        ReconcileReport report;
        if (!settings.Value.IsConfigured) report = Skipped("the Content Planner is not configured");
        else if (dryRun.IsOn) report = Skipped($"dry run ({dryRun.Reason})");
        else
        {
            try
            {
                report = await ReconcileAsync(cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LastRun = Skipped($"failed: {ex.Message}");
                throw;
            }
        }
        LastRun = report;
        LogRun(logger, report.Outcome, report.Requests, report.Restored, report.Rewritten, report.Orphans.Count);
        return report;
    }

    private ReconcileReport Skipped(string why) => new(time.GetUtcNow(), $"skipped: {why}", 0, 0, 0, []);

    private async Task<ReconcileReport> ReconcileAsync(CancellationToken cancellationToken)
    {
        var clients = services.GetRequiredService<GitHubClients>();
        var desired = new Dictionary<string, MirrorToPlanner>(StringComparer.Ordinal);
        var columns = WorkflowFile.Default.Planner.Columns as IReadOnlyList<string>;
        foreach (var repository in await repositories.ListAsync())
        {
            var (github, workflow) = (clients.ForInstallation(repository.InstallationId), repository.Workflow);
            columns = workflow.Planner.Columns;
            var today = RequestRules.Today(workflow, time.GetUtcNow());
            var closedSince = time.GetUtcNow() - ClosedWindow;
            foreach (var type in workflow.RequestTypes)
            {
                // Open requests, and those closed lately: a closed request's row must come to say Done or Not planned.
                var requests = await github.Issue.GetAllForRepository(repository.Owner, repository.Name,
                    new RepositoryIssueRequest { State = ItemStateFilter.All, Since = closedSince, Labels = { type.Label.Name } }, new ApiOptions { PageSize = 100 });
                var open = await github.Issue.GetAllForRepository(repository.Owner, repository.Name,
                    new RepositoryIssueRequest { State = ItemStateFilter.Open, Labels = { type.Label.Name } }, new ApiOptions { PageSize = 100 });
                foreach (var issue in open.Concat(requests.Where(i => i.ClosedAt >= closedSince)).DistinctBy(i => i.Number).Where(i => i.PullRequest is null))
                {
                    var isOpen = issue.State.StringValue != "closed";
                    var request = new RequestIssue(new IssueRef(repository.Owner, repository.Name, issue.Number), issue.Title, issue.Body,
                        issue.User?.Login ?? "", issue.Labels.Select(l => l.Name).ToList(), issue.Assignees.Select(a => a.Login).ToList(), isOpen,
                        Url: issue.HtmlUrl, Opened: issue.CreatedAt, Updated: issue.UpdatedAt, StateReason: issue.StateReason?.StringValue);
                    // The row shows the card's column and the approvers, as the bot last saw them.
                    var decision = issue.NodeId is { } node
                        ? RequestRules.Decide(request, workflow, today, (await cards.FindCardAsync(node))?.Status, await approvals.ReadApprovalsAsync(node))
                        : RequestRules.Decide(request, workflow, today);
                    if (decision.Effects.OfType<MirrorToPlanner>().SingleOrDefault() is { } row)
                        desired[row.Row.Url] = row;
                }
            }
        }

        var onSheet = await mirror.ReadRowsAsync(columns, cancellationToken);
        int restored = 0, rewritten = 0;
        foreach (var (url, row) in desired)
        {
            if (!onSheet.TryGetValue(url, out var cells)) restored++;
            else if (!cells.SequenceEqual(row.Row.Cells(row.Columns))) rewritten++;
            else continue;
            await mirror.RewriteAsync(row.Row, row.Columns);
        }
        var orphans = new List<string>();
        foreach (var url in onSheet.Keys.Where(u => !desired.ContainsKey(u)))
            if (!await IssueExistsAsync(clients, url)) orphans.Add(url);
        return new ReconcileReport(time.GetUtcNow(), "reconciled", desired.Count, restored, rewritten, orphans);
    }

    /// <summary>Closed requests keep their rows; only an issue GitHub no longer has (deleted, or a URL typed wrong) is an orphan.</summary>
    private async Task<bool> IssueExistsAsync(GitHubClients clients, string url)
    {
        var parts = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath.Trim('/').Split('/') : [];
        if (parts.Length != 4 || parts[2] != "issues" || !int.TryParse(parts[3], out var number)) return false;
        try
        {
            var installation = await clients.ForApp().GitHubApps.GetRepositoryInstallationForCurrent(parts[0], parts[1]);
            await clients.ForInstallation(installation.Id).Issue.Get(parts[0], parts[1], number);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 610, Level = LogLevel.Information,
        Message = "Content Planner reconcile {Outcome}: {Requests} requests (open, or closed in the last 90 days), {Restored} rows restored, {Rewritten} rewritten, {Orphans} rows whose issue no longer exists")]
    private static partial void LogRun(ILogger logger, string outcome, int requests, int restored, int rewritten, int orphans);
}

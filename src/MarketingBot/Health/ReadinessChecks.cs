using MarketingBot.Configuration;
using MarketingBot.GitHub;
using MarketingBot.Planner;
using MarketingBot.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MarketingBot.Health;

/// <summary>Ready means the database can be used: a delivery GitHub sends now will not be lost.</summary>
public sealed class StorageCheck(Database database, Inbox inbox) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (inbox.StoreFailure is { } failure)
            return HealthCheckResult.Unhealthy($"inbox {database.Location} cannot store deliveries (they are answered 503 until it can): {failure}");
        try
        {
            return await database.IsReachableAsync()
                ? HealthCheckResult.Healthy($"inbox {database.Location}: {await inbox.CountWaitingAsync()} deliveries waiting")
                : HealthCheckResult.Unhealthy($"inbox {database.Location} did not answer");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"inbox {database.Location}: {ex.Message}");
        }
    }
}

/// <summary>
/// When App credentials are set they must work: GitHub answers <c>GET /app</c> to the App's JWT.
/// The answer is kept for a few minutes so probes do not spend the App's rate limit.
/// </summary>
public sealed class GitHubAppCheck(DryRunMode dryRun, IServiceProvider services, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(5);
    private (HealthCheckResult Result, DateTimeOffset Until)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (dryRun.HoldsDeliveries)
            return HealthCheckResult.Unhealthy($"{dryRun.Reason}: deliveries are stored and wait, unprocessed. Configure the App (/setup), or set Bot__DryRun=true to try the bot without one.");
        if (dryRun.IsOn) return HealthCheckResult.Healthy($"dry run: {dryRun.Reason}");
        if (_last is { } last && time.GetUtcNow() < last.Until) return last.Result;
        HealthCheckResult result;
        try
        {
            var app = await services.GetRequiredService<GitHubClients>().ForApp().GitHubApps.GetCurrent();
            result = HealthCheckResult.Healthy($"GitHub App {app.Slug}");
        }
        catch (Exception ex)
        {
            result = HealthCheckResult.Unhealthy($"GitHub App credentials do not work: {ex.Message}");
        }
        _last = (result, time.GetUtcNow() + Keep);
        return result;
    }
}

/// <summary>The Content Planner is written, or says why not: not configured, or the last write failed.</summary>
public sealed class PlannerCheck(PlannerMirror planner, PlannerReconcile reconcile) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = planner.State;
        var reconciled = reconcile.LastRun is { } run
            ? $"; last reconcile {run.At:O}: {run.Outcome}, {run.Restored} restored, {run.Rewritten} rewritten, {run.Orphans.Count} rows whose issue no longer exists{(run.Orphans.Count > 0 ? $" ({string.Join(", ", run.Orphans)})" : "")}"
            : "";
        return Task.FromResult(
            !state.Configured ? HealthCheckResult.Degraded("Content Planner not configured (Sheets__SpreadsheetId, Sheets__CredentialsPath): rows are not mirrored")
            : state.LastError is { } error ? HealthCheckResult.Unhealthy($"the last Content Planner write failed ({state.Waiting} rows waiting): {error}{reconciled}")
            : HealthCheckResult.Healthy((state.LastWrite is { } at ? $"last write {at:O}, {state.Writes} writes" : "no write yet") + reconciled));
    }
}

/// <summary>
/// The Work Schedule board can be reached and is set up as the rules need; each problem is named.
/// It also says how card moves reach the bot, per installation: webhooks or polling.
/// </summary>
public sealed class BoardCheck(MarketingBot.Board.WorkScheduleBoard board, MarketingBot.Board.CardMovePoll poll) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(board.Problems.Count == 0
            ? HealthCheckResult.Healthy($"no board problems seen; {poll.Mode}")
            : HealthCheckResult.Unhealthy(string.Join("; ", board.Problems.Select(p => $"{p.Key}: {p.Value}")) + $"; {poll.Mode}"));
}

/// <summary>
/// Every workflow file in use parses; a broken one is named with where it breaks (the last good one stays in force meanwhile).
/// A workflow that names nobody who can approve is a loud warning: requests would wait for an approval no one can give.
/// </summary>
public sealed class WorkflowCheck(MarketingBot.Requests.WorkflowSource workflows) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (workflows.Problems.Count > 0) return Task.FromResult(HealthCheckResult.Unhealthy(string.Join("; ", workflows.Problems.Values)));
        var nobody = workflows.WhereNobodyCanApprove();
        return Task.FromResult(nobody.Count == 0
            ? HealthCheckResult.Healthy("every workflow file read parses, and each names who approves")
            : HealthCheckResult.Degraded($"WARNING: {string.Join("; ", nobody)}. Put the team's people in its roles in .github/marketingbot.yml (base: built-in and a roles: section are enough)."));
    }
}

/// <summary>
/// Deliveries keep arriving: none for <c>Bot__SilenceAlert</c> (after the bot has been up that long) means the App's
/// webhook is probably broken, the silent failure users otherwise notice weeks later. Also reports the last look for missed deliveries.
/// </summary>
public sealed class DeliveryFlowCheck(Inbox inbox, Microsoft.Extensions.Options.IOptions<BotSettings> settings, MarketingBot.Operations.MissedDeliveries recovery,
    TimeProvider time) : IHealthCheck
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var silence = settings.Value.SilenceAlert;
        var recovered = recovery.LastRun is { } run ? $"; missed deliveries last checked {run.At:O}: {run.Outcome}, {run.Redelivered} redelivered" : "";
        var last = await inbox.LastReceivedAsync();
        var quietSince = last ?? _started;
        return now - quietSince > silence
            ? HealthCheckResult.Unhealthy($"no delivery from GitHub for {(now - quietSince).TotalHours:0} hours (Bot__SilenceAlert is {silence}): check the App's webhook URL, secret and recent deliveries{recovered}")
            : HealthCheckResult.Healthy((last is { } at ? $"last delivery {at:O}" : "no delivery yet") + recovered);
    }
}

using MarketingBot.Board;
using MarketingBot.Effects;
using MarketingBot.Reminders;
using MarketingBot.Requests;
using MarketingBot.Scheduling;
using MarketingBot.Storage;

namespace MarketingBot.Review;

/// <summary>
/// Opens each tracker's review issue for the month before, on the first Thursday. Once per month:
/// the scheduler runs each occurrence once, and the issue is found again by its month's marker
/// (also when closed), so even a lost record does not open a second one.
/// </summary>
public sealed partial class ReviewJob(
    MarketingTrackers trackers, ReviewSources records, IEffectExecutor effects, IServiceProvider services,
    Microsoft.Extensions.Options.IOptions<HubSpotSettings> hubSpot, ILogger<ReviewJob> logger) : IScheduledJob
{
    public string Name => "monthly-review";

    public string Cron(ScheduleSettings settings) => settings.MonthlyReview;

    public async Task<string> RunAsync(DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var outcomes = new List<string>();
        foreach (var tracker in (await trackers.FindAsync()).Where(t => t.Workflow.Review is not null))
        {
            var (workflow, review) = (tracker.Workflow, tracker.Workflow.Review!);
            var month = MonthlyReview.MonthBefore(occurrence, workflow.Zone);
            var figures = await ComputeAsync(records, month, workflow, tracker.Owner);
            var campaigns = await LiveCampaignsAsync(records, tracker.Owner);
            var crm = await HubSpotMonthAsync(month, workflow.Zone, campaigns, cancellationToken);
            var assignees = review.Assignees.SelectMany(a => workflow.Roles.TryGetValue(a, out var role) ? role.Logins : [a]).Distinct().ToList();
            await effects.ApplyAsync(tracker.InstallationId,
                [new UpsertTrackerIssue(tracker.Owner, tracker.Repository, MonthlyReview.Marker(month), MonthlyReview.Title(review.Title, month),
                    MonthlyReview.Render(figures, review.Checklist, campaigns, crm), assignees, Comment: null, IncludeClosed: true)], cancellationToken);
            outcomes.Add($"{tracker.Place}: review of {month:yyyy-MM} ({figures.OpenedByType.Sum(t => t.Count)} requests opened)");
        }
        return outcomes.Count == 0 ? "no tracker has the review on" : string.Join("; ", outcomes);
    }

    /// <summary>The month's HubSpot figures, when a token is set; a HubSpot that fails is named in the review rather than stopping it.</summary>
    private async Task<HubSpotFigures> HubSpotMonthAsync(DateOnly month, TimeZoneInfo zone, IReadOnlyList<CampaignResults> campaigns, CancellationToken cancellationToken)
    {
        if (!hubSpot.Value.IsConfigured) return new HubSpotFigures(null, null);
        try
        {
            var client = services.GetRequiredService<HubSpotClient>();
            return new HubSpotFigures(await client.ReadMonthAsync(MonthlyReview.Start(month, zone), MonthlyReview.Start(month.AddMonths(1), zone),
                [.. campaigns.Select(c => c.Campaign)], cancellationToken), null);
        }
        catch (HttpRequestException ex)
        {
            LogHubSpotFailed(logger, ex.Message);
            return new HubSpotFigures(null, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "The monthly review could not read HubSpot: {Problem}")]
    private static partial void LogHubSpotFailed(ILogger logger, string problem);

    /// <summary>Every campaign with a stage still open (of this owner's repositories; null: all), with its KPIs.</summary>
    public static async Task<IReadOnlyList<CampaignResults>> LiveCampaignsAsync(ReviewSources records, string? owner)
    {
        var live = new List<CampaignResults>();
        foreach (var campaign in (await records.Campaigns.ReadOpenStagesAsync())
            .Where(s => owner is null || s.Repository.StartsWith(owner + "/", StringComparison.OrdinalIgnoreCase)).GroupBy(s => s.Brief))
        {
            var brief = campaign.First();
            live.Add(new CampaignResults(brief.Campaign, brief.Repository, brief.BriefNumber, await records.Campaigns.ReadKpisAsync(campaign.Key)));
        }
        return live;
    }

    /// <param name="owner">Only requests of this owner's repositories; null: all.</param>
    public static async Task<ReviewFigures> ComputeAsync(ReviewSources records, DateOnly month, Workflow workflow, string? owner)
    {
        var zone = workflow.Zone;
        var requests = (await records.Requests.ReadRequestsAsync()).Where(r => owner is null || r.Repository.StartsWith(owner + "/", StringComparison.OrdinalIgnoreCase)).ToList();
        var nags = await records.Nags.CountNagsAsync(MonthlyReview.Start(month, zone), MonthlyReview.Start(month.AddMonths(1), zone));
        var board = workflow.Board ?? new BoardLayout();
        return MonthlyReview.Compute(month, zone, new ReviewRecords(requests, await records.Cards.ReadAllStatusHistoryAsync(), nags), board.Approved, board.Done);
    }
}

/// <summary>The records a review is computed from: requests, their cards' column history, and the two-hour reminders.</summary>
public sealed record ReviewSources(RequestHistory Requests, CardRecords Cards, NagRecords Nags, Campaigns.CampaignRecords Campaigns);

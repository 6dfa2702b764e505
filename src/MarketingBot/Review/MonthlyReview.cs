using MarketingBot.Requests;
using System.Globalization;
using System.Text;
using MarketingBot.Board;

namespace MarketingBot.Review;

/// <summary>The bot's records a review is computed from.</summary>
public sealed record ReviewRecords(IReadOnlyList<RequestRecord> Requests, IReadOnlyList<ColumnChange> Columns, (int Sent, int Resolved) Nags);

/// <summary>Last month's request-workflow figures, from the bot's own records.</summary>
public sealed record ReviewFigures(
    DateOnly Month,
    IReadOnlyList<(string Type, int Count)> OpenedByType,
    int ValidWhenOpened,
    int SeenOpening,
    IReadOnlyList<TimeSpan> OpenedToApproved,
    IReadOnlyList<TimeSpan> OpenedToDone,
    IReadOnlyList<(string Column, TimeSpan Median, int Cards)> TimeInColumn,
    IReadOnlyList<RequestRecord> Overdue,
    int NagsSent,
    int NagsResolved);

/// <summary>What HubSpot said for the month: its figures, or why there are none (null and null: no token set).</summary>
public sealed record HubSpotFigures(HubSpotMonth? Month, string? Problem);

/// <summary>A campaign still running, for the review: its KPIs, target against actual.</summary>
public sealed record CampaignResults(string Campaign, string Repository, int BriefNumber, IReadOnlyList<MarketingBot.Campaigns.KpiRecord> Kpis);

/// <summary>
/// The monthly performance review (handbook: first Thursday of the month): the team's checklist, the previous
/// month's figures computed purely from the bot's records with a Mermaid chart, and each live campaign's KPIs.
/// </summary>
public static class MonthlyReview
{
    public static string Marker(DateOnly month) => $"<!-- marketingbot:review {month:yyyy-MM} -->";

    /// <summary>The month before the one <paramref name="occurrence"/> falls in, where the team is.</summary>
    public static DateOnly MonthBefore(DateTimeOffset occurrence, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(occurrence, zone);
        return new DateOnly(local.Year, local.Month, 1).AddMonths(-1);
    }

    /// <param name="approvedColumn">The board column an approved request moves to (<c>board.approved</c>).</param>
    public static ReviewFigures Compute(DateOnly month, TimeZoneInfo zone, ReviewRecords records, string approvedColumn, string doneColumn)
    {
        var from = Start(month, zone);
        var to = Start(month.AddMonths(1), zone);
        bool InMonth(DateTimeOffset at) => at >= from && at < to;

        var opened = records.Requests.Where(r => InMonth(r.OpenedAt)).ToList();
        var byCard = records.Columns.GroupBy(c => c.ContentNodeId).ToDictionary(g => g.Key, g => g.OrderBy(c => c.At).ToList());
        DateTimeOffset? FirstIn(RequestRecord r, string column) =>
            byCard.TryGetValue(r.NodeId, out var changes) ? changes.FirstOrDefault(c => c.Column == column)?.At : null;
        DateTimeOffset? Done(RequestRecord r) => r.CompletedAt ?? FirstIn(r, doneColumn);

        var toApproved = records.Requests.Select(r => (r, at: FirstIn(r, approvedColumn))).Where(x => x.at is { } at && InMonth(at))
            .Select(x => x.at!.Value - x.r.OpenedAt).ToList();
        var toDone = records.Requests.Select(r => (r, at: Done(r))).Where(x => x.at is { } at && InMonth(at))
            .Select(x => x.at!.Value - x.r.OpenedAt).ToList();

        // A visit to a column ends when the card moves on; visits that ended this month count.
        var visits = byCard.Values.SelectMany(changes => changes.Zip(changes.Skip(1), (entered, left) => (entered.Column, Time: left.At - entered.At, left.At)))
            .Where(v => InMonth(v.At))
            .GroupBy(v => v.Column)
            .Select(g => (g.Key, Median(g.Select(v => v.Time).ToList())!.Value, g.Count()))
            .OrderByDescending(v => v.Item3).ThenBy(v => v.Key, StringComparer.Ordinal)
            .ToList();

        var lastDay = DateOnly.FromDateTime(to.UtcDateTime).AddDays(-1);
        var overdue = records.Requests
            .Where(r => r.PublishDate is { } date && date >= month && date <= lastDay)
            .Where(r => Done(r) is not { } done || DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(done, zone).DateTime) > r.PublishDate)
            .ToList();

        return new ReviewFigures(
            month,
            opened.GroupBy(r => r.Type).Select(g => (g.Key, g.Count())).OrderByDescending(t => t.Item2).ThenBy(t => t.Key, StringComparer.Ordinal).ToList(),
            opened.Count(r => r.ValidWhenOpened == true),
            opened.Count(r => r.ValidWhenOpened is not null),
            toApproved,
            toDone,
            visits,
            overdue,
            records.Nags.Sent,
            records.Nags.Resolved);
    }

    public static DateTimeOffset Start(DateOnly month, TimeZoneInfo zone)
    {
        var local = month.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    public static string Title(string pattern, DateOnly month) => pattern.Replace("{month}", MonthName(month), StringComparison.Ordinal);

    /// <param name="checklist">The workflow's review checklist, part by part.</param>
    /// <param name="campaigns">The campaigns still running, with their KPIs: each target against its actual.</param>
    /// <param name="crm">HubSpot's figures for the month; null: none were asked for (the <c>review</c> command).</param>
    public static string Render(ReviewFigures figures, IReadOnlyList<ReviewPart> checklist, IReadOnlyList<CampaignResults>? campaigns = null, HubSpotFigures? crm = null)
    {
        var text = new StringBuilder(Marker(figures.Month)).Append('\n');
        text.Append($"Monthly marketing performance review for **{MonthName(figures.Month)}**. ")
            .Append("Work through the checklist, add your notes and figures as comments, then close this issue.\n\n");
        foreach (var part in checklist)
        {
            text.Append($"## {part.Title}\n\n");
            foreach (var item in part.Items) text.Append($"- [ ] {item}\n");
            text.Append('\n');
        }

        text.Append("## The request workflow last month\n\n");
        var total = figures.OpenedByType.Sum(t => t.Count);
        text.Append($"- Requests opened: **{total}**{(total > 0 ? $" ({string.Join(", ", figures.OpenedByType.Select(t => $"{t.Type}: {t.Count}"))})" : "")}\n");
        text.Append(figures.SeenOpening > 0
            ? $"- Complete when opened: **{Percent(figures.ValidWhenOpened, figures.SeenOpening)}** ({figures.ValidWhenOpened} of {figures.SeenOpening})\n"
            : "- Complete when opened: no request was seen opening\n");
        text.Append($"- Opened → approved: {Spread(figures.OpenedToApproved)}\n");
        text.Append($"- Opened → done: {Spread(figures.OpenedToDone)}\n");
        text.Append($"- Overdue (publish date this month, not done by then): **{figures.Overdue.Count}**")
            .Append(figures.Overdue.Count > 0 ? $" ({string.Join(", ", figures.Overdue.Select(r => $"{r.Repository}#{r.Number}"))})" : "").Append('\n');
        text.Append($"- Two-hour reminders: **{figures.NagsSent}** sent, **{figures.NagsResolved}** resolved\n");
        if (figures.TimeInColumn.Count > 0)
        {
            text.Append("\n| Board column | Median time in it | Cards that moved on |\n|---|---|---|\n");
            foreach (var (column, median, cards) in figures.TimeInColumn) text.Append($"| {column} | {Duration(median)} | {cards} |\n");
        }
        if (total > 0)
        {
            text.Append("\n```mermaid\npie title Requests opened by type\n");
            foreach (var (type, count) in figures.OpenedByType) text.Append($"    \"{type.Replace("\"", "'")}\" : {count}\n");
            text.Append("```\n");
        }
        if (crm is not null) text.Append(RenderHubSpot(crm, figures.Month));
        if (campaigns is { Count: > 0 })
        {
            text.Append("\n## Campaigns\n");
            foreach (var campaign in campaigns)
            {
                text.Append($"\n### {Answers.Plain(campaign.Campaign)} ({campaign.Repository}#{campaign.BriefNumber})\n\n");
                text.Append(campaign.Kpis.Count > 0 ? MarketingBot.Campaigns.CampaignProgress.KpiTable(campaign.Kpis) : "Its brief names no KPIs.\n");
            }
        }
        text.Append("\n<sub>Counted by MarketingBot from the requests it handled in ").Append(MonthName(figures.Month))
            .Append(". The checklist is the team's: change it under <code>review: checklist:</code> in the workflow file.</sub>\n");
        return text.ToString();
    }

    private static string RenderHubSpot(HubSpotFigures crm, DateOnly month)
    {
        var text = new StringBuilder($"\n## HubSpot: {MonthName(month)}\n\n");
        if (crm.Month is not { } figures)
            return text.Append(crm.Problem is { } problem ? $"HubSpot could not be read ({Answers.Quote(problem, 200)}); fill these in from its dashboard:\n\n" : "Fill these in from HubSpot's dashboard:\n\n")
                .Append("- [ ] New contacts: \n- [ ] New marketing qualified leads (MQLs): \n- [ ] New sales qualified leads (SQLs): \n").ToString();
        text.Append("| New contacts | New MQLs | New SQLs |\n|---|---|---|\n")
            .Append(FormattableString.Invariant($"| {figures.NewContacts:N0} | {figures.NewMqls:N0} | {figures.NewSqls:N0} |\n"));
        if (figures.ByCampaign.Count > 0)
        {
            text.Append("\n| Campaign | New contacts from it |\n|---|---|\n");
            foreach (var (campaign, contacts) in figures.ByCampaign) text.Append($"| {Answers.Plain(campaign)} | {contacts.ToString("N0", CultureInfo.InvariantCulture)} |\n");
        }
        return text.ToString();
    }

    private static string MonthName(DateOnly month) => month.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    private static string Percent(int part, int whole) => $"{100.0 * part / whole:0}%";

    private static string Spread(IReadOnlyList<TimeSpan> times) =>
        times.Count == 0 ? "none this month" : $"median **{Duration(Median(times)!.Value)}**, 90th percentile **{Duration(Percentile(times, 0.9))}** ({times.Count} requests)";

    public static TimeSpan? Median(IReadOnlyList<TimeSpan> times) => times.Count == 0 ? null : Percentile(times, 0.5);

    /// <summary>Nearest-rank percentile: the smallest value with at least that share of values at or below it.</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> times, double share)
    {
        var sorted = times.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Count) - 1)];
    }

    public static string Duration(TimeSpan time) =>
        time.TotalDays >= 1 ? $"{time.TotalDays:0.#} day{(Math.Round(time.TotalDays, 1) == 1 ? "" : "s")}" : time.TotalHours >= 1 ? $"{time.TotalHours:0.#} h" : $"{Math.Max(1, time.TotalMinutes):0} min";
}

using System.Globalization;
using System.Text;
using MarketingBot.Effects;
using MarketingBot.Requests;
using MarketingBot.Storage;

namespace MarketingBot.Reminders;

/// <summary>The marketing tracker a scheduled job works on: a repository, its owner, and the workflow in force there.</summary>
public sealed record Tracker(long InstallationId, string Owner, string Repository, Workflow Workflow)
{
    public string Place => $"{Owner}/{Repository}";
}

/// <summary>
/// A task estimated over the threshold that is not an issue: a task-list line of an open issue
/// (<paramref name="Issue"/> set) or a draft item on the Work Schedule board (<paramref name="Issue"/> null).
/// </summary>
/// <param name="Key">Stable across runs: the issue and the task's text, or the draft item's id.</param>
/// <param name="Owners">Who is reminded: the issue's (or draft's) assignees, else its author.</param>
public sealed record UntrackedTask(string Key, string Title, double Hours, IssueRef? Issue, string? IssueNodeId, IReadOnlyList<string> Owners);

/// <summary>What one scan of a tracker decided: the reminders and digest to send, and which reminders to record and to close.</summary>
public sealed record TwoHourDecision(IReadOnlyList<Effect> Effects, IReadOnlyList<UntrackedTask> Nagged, IReadOnlyList<string> Resolved, string Outcome);

/// <summary>
/// The two-hour rule, pure: every task over two hours is tracked as an issue. Owners of an
/// untracked task are reminded at most once per cool-down, on the issue holding the task (one
/// comment per issue); draft items are listed in one digest issue kept up to date in place.
/// A reminder whose task is no longer found (converted, linked, done, re-estimated) is resolved.
/// </summary>
public static partial class TwoHourRules
{
    public const string CommentMarker = "<!-- marketingbot:two-hour -->";
    public const string DigestMarker = "<!-- marketingbot:two-hour-digest -->";

    /// <summary>The digest names each draft item in a hidden line, so <c>/convert</c> on it knows which items to convert.</summary>
    public static string DraftMarker(string itemId) => $"<!-- marketingbot:draft {itemId} -->";

    /// <summary>The draft items a digest lists; nothing for any other issue (only the bot's digest starts with its marker).</summary>
    public static IReadOnlyList<string> DraftsIn(string? body) =>
        body?.StartsWith(DigestMarker, StringComparison.Ordinal) == true
            ? DraftLine().Matches(body).Select(m => m.Groups[1].Value).ToList()
            : [];

    /// <param name="draftsScanned">False when the board could not be read: draft reminders then stay as they are.</param>
    /// <param name="snoozedUntil">Snoozes by issue node id.</param>
    public static TwoHourDecision Decide(Tracker tracker, IReadOnlyList<UntrackedTask> found, IReadOnlyList<Nag> open, bool draftsScanned,
        IReadOnlyDictionary<string, DateTimeOffset> snoozedUntil, DateTimeOffset now)
    {
        var rule = tracker.Workflow.TwoHourRule ?? new TwoHourRule();
        var today = Requests.RequestRules.Today(tracker.Workflow, now);
        var quiet = QuietDays.IsQuiet(rule.QuietDays, today);
        var coolDown = TimeSpan.FromDays(rule.CoolDownDays);
        var last = open.ToDictionary(n => n.Item, n => n.LastAt);
        var foundKeys = found.Select(t => t.Key).ToHashSet();
        var resolved = open.Select(n => n.Item).Where(k => !foundKeys.Contains(k) && (draftsScanned || !k.StartsWith("draft:", StringComparison.Ordinal))).ToList();

        bool Due(UntrackedTask task) =>
            !(task.IssueNodeId is { } node && snoozedUntil.TryGetValue(node, out var until) && until > now)
            && (!last.TryGetValue(task.Key, out var at) || at + coolDown <= now);

        var effects = new List<Effect>();
        var nagged = new List<UntrackedTask>();
        if (!quiet)
        {
            foreach (var issue in found.Where(t => t.Issue is not null).GroupBy(t => t.Issue!))
            {
                var due = issue.Where(Due).ToList();
                if (due.Count == 0) continue;
                effects.Add(new PostComment(issue.Key, Reminder(due, rule, issue.SelectMany(t => t.Owners).Distinct(StringComparer.OrdinalIgnoreCase))));
                nagged.AddRange(due);
            }
        }
        var drafts = found.Where(t => t.Issue is null).ToList();
        if (draftsScanned && (drafts.Count > 0 || open.Any(n => n.Item.StartsWith("draft:", StringComparison.Ordinal))))
        {
            var due = quiet ? [] : drafts.Where(Due).ToList();
            effects.Add(new UpsertTrackerIssue(tracker.Owner, tracker.Repository, DigestMarker, rule.DigestTitle, Digest(drafts, rule), [],
                due.Count > 0 ? Reminder(due, rule, due.SelectMany(t => t.Owners).Distinct(StringComparer.OrdinalIgnoreCase)) : null, IncludeClosed: false));
            nagged.AddRange(due);
        }
        var outcome = $"{found.Count} untracked task{(found.Count == 1 ? "" : "s")} over {rule.ThresholdHours:0.##} h, {nagged.Count} reminded, {resolved.Count} resolved"
            + (quiet ? " (a quiet day: no reminders)" : "");
        return new TwoHourDecision(effects, nagged, resolved, outcome);
    }

    private static string Reminder(IReadOnlyList<UntrackedTask> tasks, TwoHourRule rule, IEnumerable<string> owners)
    {
        var text = new StringBuilder(CommentMarker).Append('\n');
        // Logins are letters, digits and hyphens: a mention cannot carry markup.
        var who = string.Join(" ", owners.Select(o => $"@{o}"));
        text.Append($"⏱️ {who}{(who.Length > 0 ? ", " : "")}{(tasks.Count == 1 ? "this task is" : "these tasks are")} estimated over {rule.ThresholdHours:0.##} hours ")
            .Append("but not tracked as an issue yet. The handbook asks for an issue for every task over two hours:\n\n");
        foreach (var task in tasks) text.Append($"- {Answers.Quote(task.Title, 80)} ({Hours(task.Hours)})\n");
        text.Append("\nComment `/convert` to turn them into issues linked from here, or `/snooze 3d` to pause these reminders.\n");
        return text.ToString();
    }

    private static string Digest(IReadOnlyList<UntrackedTask> drafts, TwoHourRule rule)
    {
        var text = new StringBuilder(DigestMarker).Append('\n');
        if (drafts.Count == 0)
        {
            text.Append($"✅ Every draft item on the Work Schedule board estimated over {rule.ThresholdHours:0.##} hours is now an issue.\n");
            return text.ToString();
        }
        text.Append($"These draft items on the Work Schedule board are estimated over {rule.ThresholdHours:0.##} hours. ")
            .Append("Each should be an issue: comment `/convert` here to convert them all.\n\n");
        foreach (var draft in drafts.OrderByDescending(d => d.Hours).ThenBy(d => d.Title, StringComparer.Ordinal))
            text.Append($"- {Answers.Quote(draft.Title, 80)} ({Hours(draft.Hours)}){(draft.Owners.Count > 0 ? $", {string.Join(", ", draft.Owners)}" : "")} {DraftMarker(draft.Key["draft:".Length..])}\n");
        return text.ToString();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"<!-- marketingbot:draft (\S+) -->")]
    private static partial System.Text.RegularExpressions.Regex DraftLine();

    public static string Hours(double hours) => $"{hours.ToString("0.##", CultureInfo.InvariantCulture)} h";
}

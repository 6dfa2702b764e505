using System.Text.RegularExpressions;
using MarketingBot.Requests;

namespace MarketingBot.Reminders;

/// <summary>One task-list line of an issue: <c>- [ ] Write the launch post (3h)</c>.</summary>
/// <param name="Line">Its line number in the body, from 0.</param>
/// <param name="Estimate">The estimate it carries, if any; a day is a working day of 8 hours.</param>
/// <param name="LinksIssue">It names an issue or pull request (<c>#12</c>, <c>org/repo#12</c>, or a link to one): it is tracked.</param>
public sealed record TaskLine(int Line, string Text, bool Checked, TimeSpan? Estimate, bool LinksIssue)
{
    /// <summary>The task without its estimate, as an issue title.</summary>
    public string Title => TaskLines.WithoutEstimate(Text);
}

/// <summary>Finds task-list lines and their estimates (<c>(3h)</c>, <c>~3h</c>, <c>est: 1d</c>, <c>90m</c>), outside code fences.</summary>
public static partial class TaskLines
{
    public static IReadOnlyList<TaskLine> Find(string? body)
    {
        var tasks = new List<TaskLine>();
        string? fence = null;
        var lines = (body ?? "").ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var inside = fence;
            fence = RequestBody.NextFence(lines[i], fence);
            if (inside is not null || fence is not null) continue;
            var task = Checkbox().Match(lines[i]);
            if (!task.Success) continue;
            var text = task.Groups[2].Value.Trim();
            tasks.Add(new TaskLine(i, text, task.Groups[1].Value != " ", EstimateOf(text), IssueLink().IsMatch(text)));
        }
        return tasks;
    }

    /// <summary>The first estimate the text carries, in any of the notations.</summary>
    public static TimeSpan? EstimateOf(string text)
    {
        var match = Estimate().Match(text);
        return match.Success && Answers.TryParseDuration(match.Groups["d"].Value, out var estimate) ? estimate : null;
    }

    public static string WithoutEstimate(string text) => Whitespace().Replace(Estimate().Replace(text, " "), " ").Trim(' ', '-', ',', ';', ':');

    /// <summary>The body with line <paramref name="line"/> replaced by a task pointing at <paramref name="reference"/>; GitHub shows the issue's title there.</summary>
    public static string Link(string body, int line, string reference)
    {
        var lines = body.ReplaceLineEndings("\n").Split('\n');
        var task = Checkbox().Match(lines[line]);
        lines[line] = $"{task.Groups[0].Value[..task.Groups[2].Index]}{reference}";
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"^\s*[-*+]\s+\[( |x|X)\]\s+(.*)$")]
    private static partial Regex Checkbox();

    private const string Duration = @"(?<d>\d+(?:\.\d+)?\s*(?:m|min|mins|minutes?|h|hr|hrs|hours?|d|days?))";

    // (3h) · ~3h · est: 1d / estimate=2h · a bare 90m standing alone.
    [GeneratedRegex(@"\(\s*(?:est(?:imate)?\s*[:=]?\s*)?~?" + Duration + @"\s*\)|~\s*" + Duration + @"\b|\best(?:imate)?\s*[:=]\s*~?" + Duration + @"\b|(?<![\w.#/])" + Duration + @"(?![\w.])",
        RegexOptions.IgnoreCase | RegexOptions.ExplicitCapture)]
    private static partial Regex Estimate();

    [GeneratedRegex(@"(?<![\w&])#\d+\b|\b[\w.-]+/[\w.-]+#\d+\b|https?://\S+/(?:issues|pull)/\d+")]
    private static partial Regex IssueLink();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Whitespace();
}

/// <summary>Days on which no reminders go out: weekday names or ISO dates, as the workflow file lists them.</summary>
public static class QuietDays
{
    public static bool IsValid(string day) => Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out _) || DateOnly.TryParseExact(day, "yyyy-MM-dd", out _);

    public static bool IsQuiet(IEnumerable<string> quietDays, DateOnly today) => quietDays.Any(day =>
        (Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out var weekday) && weekday == today.DayOfWeek)
        || (DateOnly.TryParseExact(day, "yyyy-MM-dd", out var date) && date == today));
}

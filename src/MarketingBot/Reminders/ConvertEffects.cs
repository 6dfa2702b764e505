using MarketingBot.Effects;

namespace MarketingBot.Reminders;

/// <summary>A task-list line to turn into an issue: found again by its text, since people may edit the list meanwhile.</summary>
public sealed record TaskToConvert(string Text, string Title, double Hours);

/// <summary><c>/convert</c>: each task becomes an issue (title, estimate, link back) and its line is replaced by the issue's reference.</summary>
public sealed record ConvertTasks(IssueRef Issue, string IssueUrl, IReadOnlyList<TaskToConvert> Tasks) : Effect
{
    public override string Describe() =>
        $"turn {Tasks.Count} task{(Tasks.Count == 1 ? "" : "s")} of {Issue} into issues: {string.Join(", ", Tasks.Select(t => t.Title))}";
}

/// <summary><c>/convert</c> on the digest: the board's draft items become issues of the tracker (GitHub's convert mutation).</summary>
public sealed record ConvertDrafts(string Owner, string Repository, IReadOnlyList<string> ItemIds) : Effect
{
    public override string Describe() => $"convert {ItemIds.Count} draft item{(ItemIds.Count == 1 ? "" : "s")} into issues of {Owner}/{Repository}";
}

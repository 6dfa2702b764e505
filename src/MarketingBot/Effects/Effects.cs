namespace MarketingBot.Effects;

/// <summary>An issue in a repository, as effects name it.</summary>
public sealed record IssueRef(string Owner, string Repository, int Number)
{
    public override string ToString() => $"{Owner}/{Repository}#{Number}";
}

/// <summary>
/// Something the bot wants to be true on GitHub or in the Content Planner. Handlers return them;
/// an <see cref="IEffectExecutor"/> makes them so (or, in dry run, only records them).
/// Each describes itself in one line for the audit log, dry run and replay; one that writes text people read
/// (a comment, an issue) also gives that text whole, for replay and the dashboard.
/// </summary>
public abstract record Effect
{
    public abstract string Describe();

    /// <summary>The text a person would read on GitHub, whole; null when the effect writes none.</summary>
    public virtual string? Text => null;

    /// <summary>What the audit log keeps: the line, then the text whole on the lines after it.</summary>
    public string Record() => Text is { Length: > 0 } text ? $"{Describe()}\n{text.TrimEnd()}" : Describe();
}

/// <summary>The bot's one comment on an issue, found again by <paramref name="Marker"/> and the App's authorship, and edited in place.</summary>
public sealed record UpsertBotComment(IssueRef Issue, string Marker, string Body) : Effect
{
    /// <summary>The first visible line: the hidden marker says nothing to a reader.</summary>
    public override string Describe() =>
        $"comment on {Issue} ({Marker}): {Body.Replace(Marker, "").Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0)}";

    public override string Text => Body.Replace(Marker, "").Trim('\n');
}

/// <summary>A label with the colour and description it is created with when the repository lacks it.</summary>
public sealed record Label(string Name, string Color, string? Description);

/// <summary>Labels added to an issue; any the repository lacks are created first, with their colour and description.</summary>
public sealed record AddLabels(IssueRef Issue, IReadOnlyList<Label> Labels) : Effect
{
    public override string Describe() => $"add labels to {Issue}: {string.Join(", ", Labels.Select(l => l.Name))}";
}

public sealed record AssignUsers(IssueRef Issue, IReadOnlyList<string> Logins) : Effect
{
    public override string Describe() => $"assign {Issue} to {string.Join(", ", Logins)}";
}

public sealed record RemoveLabel(IssueRef Issue, string Label) : Effect
{
    public override string Describe() => $"remove label from {Issue}: {Label}";
}

public sealed record UnassignUsers(IssueRef Issue, IReadOnlyList<string> Logins) : Effect
{
    public override string Describe() => $"unassign {string.Join(", ", Logins)} from {Issue}";
}

/// <summary>The bot's answer to a command comment: <c>+1</c> (done) or <c>confused</c> (refused).</summary>
public sealed record ReactToComment(IssueRef Issue, long CommentId, string Reaction) : Effect
{
    public const string Done = "+1";
    public const string Refused = "confused";

    public override string Describe() => $"react {Reaction} to comment {CommentId} on {Issue}";
}

/// <summary>The issue's description becomes <paramref name="Body"/> (e.g. a publish date set by <c>/schedule</c>).</summary>
public sealed record EditIssueBody(IssueRef Issue, string Body) : Effect
{
    public override string Describe() => $"edit the description of {Issue}";

    public override string Text => Body;
}

/// <summary>A new comment every time (a reminder must notify); use <see cref="UpsertBotComment"/> for one kept up to date.</summary>
public sealed record PostComment(IssueRef Issue, string Body) : Effect
{
    public override string Describe() => $"comment on {Issue}: {Body.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("<!--"))}";

    public override string Text => Body;
}

/// <summary>
/// The bot's one issue in a repository for <paramref name="Marker"/> (the two-hour digest, a month's review): created when
/// missing (also when closed, with <paramref name="IncludeClosed"/>, it counts as there), edited when its text differs, and
/// <paramref name="Comment"/> posted on it when given (an edit notifies nobody; a comment does).
/// </summary>
public sealed record UpsertTrackerIssue(
    string Owner, string Repository, string Marker, string Title, string Body, IReadOnlyList<string> Assignees, string? Comment, bool IncludeClosed) : Effect
{
    public override string Describe() => $"keep the issue \"{Title}\" in {Owner}/{Repository}{(Comment is null ? "" : ", with a reminder comment")}";

    public override string Text => Comment is null ? Body : $"{Body.TrimEnd()}\n\n(comment on it)\n{Comment}";
}

/// <summary>Something the bot remembers in its own records (not on GitHub): applied first, skipped in dry run.</summary>
public abstract record RecordEffect : Effect
{
    public abstract Task ApplyAsync(RecordStores records, long? installationId);
}

/// <summary>Applies effects for one installation.</summary>
public interface IEffectExecutor
{
    Task ApplyAsync(long? installationId, IReadOnlyList<Effect> effects, CancellationToken cancellationToken);
}

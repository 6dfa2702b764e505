namespace MarketingBot.Storage;

/// <summary>A verified delivery as the intake stores it; the body is compressed once, on the request thread.</summary>
public sealed record IncomingDelivery(
    string Guid,
    string Event,
    string? Action,
    long? InstallationId,
    string? OrderingKey,
    byte[] CompressedBody,
    int BodyLength);

/// <summary>What storing a delivery meant: new work, or a repeat GitHub already got an answer for.</summary>
public enum StoreOutcome
{
    Queued,
    AlreadyHandled,
}

/// <summary>Inbox row states; rows move pending → in progress → done, or back to pending for a retry, or dead.</summary>
public enum DeliveryState
{
    Pending = 0,
    InProgress = 1,
    Done = 2,
    Dead = 3,
}

public sealed record ClaimedDelivery(
    long Id,
    string Guid,
    string Event,
    string? Action,
    long? InstallationId,
    string? OrderingKey,
    byte[] CompressedBody,
    int BodyLength,
    int Attempt,
    DateTimeOffset ReceivedAt)
{
    public string Name => Action is null ? Event : $"{Event}.{Action}";
}

public sealed record InboxCounts(long Pending, long InProgress, long Done, long Dead);

/// <summary>One line of the audit log: what the bot decided for a delivery and what it sent (or would send).</summary>
public sealed record AuditEntry(
    long DeliveryId,
    string Guid,
    string Name,
    int Attempt,
    string Outcome,
    bool DryRun,
    IReadOnlyList<string> Effects,
    string? Error,
    DateTimeOffset At);

/// <summary>A request's card on the Work Schedule board, as the bot last left or saw it.</summary>
public sealed record BoardCard(string ContentNodeId, string ProjectId, string ItemId, string? Status, bool IsArchived, bool Removed = false)
{
    public const string NoStatus = "No Status";
    public const string Archived = "Archived";
    public const string RemovedColumn = "Removed";

    /// <summary>The column as the history names it.</summary>
    public string Column => Removed ? RemovedColumn : IsArchived ? Archived : Status ?? NoStatus;
}

/// <summary>One run of a scheduled job: the occurrence it served and what it found and did.</summary>
public sealed record JobRun(string Job, DateTimeOffset Occurrence, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Outcome);

/// <summary>An open two-hour reminder: which task, when it last went out and how often.</summary>
public sealed record Nag(string Item, string Title, DateTimeOffset LastAt, int Sent);

/// <summary>A request as the monthly review counts it.</summary>
/// <param name="Repository">owner/name.</param>
/// <param name="ValidWhenOpened">Whether it had no errors when opened; null when the bot did not see it opened.</param>
/// <param name="CompletedAt">When it was closed as completed.</param>
public sealed record RequestRecord(
    string NodeId, string Repository, int Number, string Type, DateTimeOffset OpenedAt, bool? ValidWhenOpened, DateOnly? PublishDate, DateTimeOffset? CompletedAt);

/// <summary>A card entered <paramref name="Column"/> at <paramref name="At"/>.</summary>
public sealed record ColumnChange(string ContentNodeId, string Column, DateTimeOffset At);

/// <summary>A delivery as the dashboard lists it.</summary>
public sealed record DeliverySummary(string Guid, string Name, DeliveryState State, int Attempts, DateTimeOffset ReceivedAt, string? LastError);

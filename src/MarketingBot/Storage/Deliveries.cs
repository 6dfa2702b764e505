namespace MarketingBot.Storage;

/// <summary>
/// A verified delivery as the intake stores it. The body is the JSON as it arrived (for the intake, the request's
/// pooled buffer, valid until the store returns); it is compressed where the inbox row is written, not while
/// GitHub waits for its answer.
/// </summary>
public sealed record IncomingDelivery(
    string Guid,
    string Event,
    string? Action,
    long? InstallationId,
    string? OrderingKey,
    ReadOnlyMemory<byte> Body);

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

/// <summary>A delivery as the dashboard lists it.</summary>
public sealed record DeliverySummary(string Guid, string Name, DeliveryState State, int Attempts, DateTimeOffset ReceivedAt, string? LastError);

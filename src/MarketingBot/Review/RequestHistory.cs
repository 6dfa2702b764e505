using MarketingBot.Storage;

namespace MarketingBot.Review;

/// <summary>Each request's facts as the monthly review counts them: its type, when it was opened and whether it was complete then, its publish date, when it was done.</summary>
public sealed class RequestHistory(Database database)
{
    /// <summary>
    /// Keeps a request's facts for the monthly review. Whether it was complete when opened is only ever
    /// written by the <c>opened</c> delivery (<paramref name="opening"/>); later events update the rest.
    /// </summary>
    public Task RecordRequestAsync(RequestRecord request, bool opening) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            INSERT INTO requests (node_id, repository, number, type, opened_at, valid_at_open, publish_date, completed_at)
            VALUES (@node, @repository, @number, @type, @opened, @valid, @publish, @completed)
            ON CONFLICT (node_id) DO UPDATE SET repository = @repository, number = @number, type = @type, publish_date = @publish,
                completed_at = @completed{(opening ? ", valid_at_open = @valid" : "")}
            """;
        command.Set("@node", request.NodeId);
        command.Set("@repository", request.Repository);
        command.Set("@number", request.Number);
        command.Set("@type", request.Type);
        command.Set("@opened", request.OpenedAt.ToUnixTimeMilliseconds());
        command.Set("@valid", opening ? request.ValidWhenOpened : null);
        command.Set("@publish", request.PublishDate?.ToString("yyyy-MM-dd"));
        command.Set("@completed", request.CompletedAt?.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    });

    public Task<IReadOnlyList<RequestRecord>> ReadRequestsAsync() => database.UseAsync<IReadOnlyList<RequestRecord>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT node_id, repository, number, type, opened_at, valid_at_open, publish_date, completed_at FROM requests ORDER BY opened_at";
        return command.ReadAll(reader => new RequestRecord(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.IsDBNull(5) ? null : reader.GetFlag(5),
                reader.IsDBNull(6) ? null : DateOnly.ParseExact(reader.GetString(6), "yyyy-MM-dd"),
                reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
    });
}

/// <summary>A request as the monthly review counts it.</summary>
/// <param name="Repository">owner/name.</param>
/// <param name="ValidWhenOpened">Whether it had no errors when opened; null when the bot did not see it opened.</param>
/// <param name="CompletedAt">When it was closed as completed.</param>
public sealed record RequestRecord(
    string NodeId, string Repository, int Number, string Type, DateTimeOffset OpenedAt, bool? ValidWhenOpened, DateOnly? PublishDate, DateTimeOffset? CompletedAt);

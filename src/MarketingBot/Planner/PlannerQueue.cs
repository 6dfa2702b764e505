using System.Text.Json;
using MarketingBot.Storage;

namespace MarketingBot.Planner;

/// <summary>
/// Content Planner rows decided but not yet on the sheet. A row is kept here before the delivery that decided it
/// counts as done, and removed once the sheet has it, so a crash in between loses nothing: the flusher finds it at
/// the next start (and a delivery processed again only writes the same row again, by its URL). A later row for the
/// same request replaces the waiting one, which is how a burst of edits makes one write.
/// </summary>
public sealed class PlannerQueue(Database database)
{
    /// <summary>
    /// Keeps <paramref name="row"/> until it is written; <paramref name="rewrite"/> writes it even when the bot believes the sheet has it;
    /// <paramref name="firstWrite"/> says the request was just opened, so its row cannot be on the sheet yet. A row queued again
    /// before it was written stays a first write.
    /// </summary>
    public Task EnqueueAsync(PlannerRow row, IReadOnlyList<string> columns, bool rewrite, bool firstWrite = false) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = """
            INSERT INTO planner_rows (url, row_values, columns, rewrite, first_write, version, queued_at) VALUES (@url, @values, @columns, @rewrite, @first, 1, @now)
            ON CONFLICT (url) DO UPDATE SET row_values = @values, columns = @columns,
                rewrite = CASE WHEN @rewrite = 1 THEN 1 ELSE planner_rows.rewrite END, version = planner_rows.version + 1, queued_at = @now
            """;
        command.Set("@first", firstWrite);
        command.Set("@url", row.Url);
        command.Set("@values", JsonSerializer.Serialize(row.Values));
        command.Set("@columns", JsonSerializer.Serialize(columns));
        command.Set("@rewrite", rewrite);
        command.Set("@now", database.Now);
        command.ExecuteNonQuery();
    });

    /// <summary>Every row waiting, oldest first.</summary>
    public Task<IReadOnlyList<QueuedRow>> ReadAsync() => database.UseAsync<IReadOnlyList<QueuedRow>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT url, row_values, columns, rewrite, version, first_write FROM planner_rows ORDER BY queued_at, url";
        return command.ReadAll(reader => new QueuedRow(
            new PlannerRow(reader.GetString(0), JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(1))!),
            JsonSerializer.Deserialize<List<string>>(reader.GetString(2))!, reader.GetFlag(3), reader.GetInt64(4), reader.GetFlag(5)));
    });

    /// <summary>The sheet has these rows: each is removed unless a newer version of it was queued meanwhile.</summary>
    public Task RemoveWrittenAsync(IReadOnlyList<QueuedRow> written) => database.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using var command = c.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM planner_rows WHERE url = @url AND version = @version";
        command.Set("@url", "");
        command.Set("@version", 0L);
        foreach (var row in written)
        {
            command.Parameters[0].Value = row.Row.Url;
            command.Parameters[1].Value = row.Version;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    });

    public Task<long> CountAsync() => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM planner_rows";
        return Convert.ToInt64(command.ExecuteScalar());
    });
}

/// <summary>A row waiting for the sheet, with the version that tells a newer one queued meanwhile; <paramref name="FirstWrite"/>: its request was just opened.</summary>
public sealed record QueuedRow(PlannerRow Row, IReadOnlyList<string> Columns, bool Rewrite, long Version, bool FirstWrite = false);

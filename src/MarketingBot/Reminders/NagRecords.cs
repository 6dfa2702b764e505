using System.Data.Common;
using MarketingBot.Storage;

namespace MarketingBot.Reminders;

/// <summary>The two-hour reminders (nags): which are open, each one sent and resolved (for the monthly review), and snoozes.</summary>
public sealed class NagRecords(Database database)
{
    /// <summary>Reminders not yet resolved, of one tracker (<paramref name="place"/> is its owner/repository).</summary>
    public Task<IReadOnlyList<Nag>> ReadOpenNagsAsync(string place) => database.UseAsync<IReadOnlyList<Nag>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT item, title, last_at, sent FROM nags WHERE place = @place AND resolved_at IS NULL";
        command.Set("@place", place);
        return command.ReadAll(reader => new Nag(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt32(3)));
    });

    /// <summary>A reminder went out about <paramref name="item"/>; a resolved one that comes back is open again.</summary>
    public Task RecordNagAsync(string item, string place, string title) => database.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using (var command = c.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO nags (item, place, title, first_at, last_at, sent) VALUES (@item, @place, @title, @now, @now, 1)
                ON CONFLICT (item) DO UPDATE SET title = @title, last_at = @now, sent = nags.sent + 1, resolved_at = NULL
                """;
            command.Set("@item", item);
            command.Set("@place", place);
            command.Set("@title", title);
            command.Set("@now", database.Now);
            command.ExecuteNonQuery();
        }
        LogNag(c, transaction, item, resolved: false);
        transaction.Commit();
    });

    /// <summary>The task behind a reminder is converted, linked, done or re-estimated under the threshold.</summary>
    public Task ResolveNagAsync(string item) => database.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using (var command = c.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "UPDATE nags SET resolved_at = @now WHERE item = @item AND resolved_at IS NULL";
            command.Set("@item", item);
            command.Set("@now", database.Now);
            if (command.ExecuteNonQuery() == 1) LogNag(c, transaction, item, resolved: true);
        }
        transaction.Commit();
    });

    private void LogNag(DbConnection c, DbTransaction transaction, string item, bool resolved)
    {
        using var command = c.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO nag_log (item, at, resolved) VALUES (@item, @now, @resolved)";
        command.Set("@item", item);
        command.Set("@now", database.Now);
        command.Set("@resolved", resolved);
        command.ExecuteNonQuery();
    }

    /// <summary>Reminders sent and resolved in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<(int Sent, int Resolved)> CountNagsAsync(DateTimeOffset from, DateTimeOffset to) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT COUNT(CASE WHEN resolved = 0 THEN 1 END), COUNT(CASE WHEN resolved = 1 THEN 1 END) FROM nag_log WHERE at >= @from AND at < @to";
        command.Set("@from", from.ToUnixTimeMilliseconds());
        command.Set("@to", to.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        reader.Read();
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
    });

    /// <summary>Two-hour reminders for <paramref name="item"/> stay quiet until <paramref name="until"/>.</summary>
    public Task RecordSnoozeAsync(string item, DateTimeOffset until, string by) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "INSERT INTO snoozes (item, until, by) VALUES (@item, @until, @by) ON CONFLICT (item) DO UPDATE SET until = @until, by = @by";
        command.Set("@item", item);
        command.Set("@until", until.ToUnixTimeMilliseconds());
        command.Set("@by", by);
        command.ExecuteNonQuery();
    });

    public Task<DateTimeOffset?> SnoozedUntilAsync(string item) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT until FROM snoozes WHERE item = @item";
        command.Set("@item", item);
        return command.ExecuteScalar() is long until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : (DateTimeOffset?)null;
    });
}

/// <summary>An open two-hour reminder: which task, when it last went out and how often.</summary>
public sealed record Nag(string Item, string Title, DateTimeOffset LastAt, int Sent);

using System.Data.Common;
using MarketingBot.Storage;

namespace MarketingBot.Board;

/// <summary>Where each request's card is on the Work Schedule board, as the bot last left or saw it, and its column history.</summary>
public sealed class CardRecords(Database database)
{
    /// <summary>
    /// Remembers where a request's card is and, when its column changed, when and by whom: GitHub
    /// keeps no such history, and the monthly review reports time spent in each column.
    /// </summary>
    public Task RecordCardAsync(long? installationId, BoardCard card, string movedBy) => database.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        string? before = null;
        var known = false;
        using (var read = c.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT status, archived FROM board_cards WHERE content_node_id = @content";
            read.Set("@content", card.ContentNodeId);
            using var reader = read.ExecuteReader();
            if (reader.Read())
            {
                known = true;
                before = reader.GetFlag(1) ? BoardCard.Archived : reader.IsDBNull(0) ? BoardCard.NoStatus : reader.GetString(0);
            }
        }
        using (var upsert = c.CreateCommand())
        {
            upsert.Transaction = transaction;
            upsert.CommandText = card.Removed
                ? "DELETE FROM board_cards WHERE content_node_id = @content"
                : """
                  INSERT INTO board_cards (content_node_id, project_id, item_id, status, archived, updated_at, installation_id)
                  VALUES (@content, @project, @item, @status, @archived, @now, @installation)
                  ON CONFLICT (content_node_id) DO UPDATE SET project_id = @project, item_id = @item, status = @status, archived = @archived,
                      updated_at = @now, installation_id = COALESCE(@installation, board_cards.installation_id)
                  """;
            upsert.Set("@content", card.ContentNodeId);
            if (!card.Removed) SetCard(upsert, installationId, card);
            upsert.ExecuteNonQuery();
        }
        if (!known || before != card.Column)
        {
            using var history = c.CreateCommand();
            history.Transaction = transaction;
            history.CommandText = "INSERT INTO board_status_history (content_node_id, status, at, moved_by) VALUES (@content, @status, @now, @by)";
            history.Set("@content", card.ContentNodeId);
            history.Set("@status", card.Column);
            history.Set("@now", database.Now);
            history.Set("@by", movedBy);
            history.ExecuteNonQuery();
        }
        transaction.Commit();
    });

    private void SetCard(DbCommand upsert, long? installationId, BoardCard card)
    {
        upsert.Set("@project", card.ProjectId);
        upsert.Set("@item", card.ItemId);
        upsert.Set("@status", card.Status);
        upsert.Set("@archived", card.IsArchived);
        upsert.Set("@now", database.Now);
        upsert.Set("@installation", installationId);
    }

    public Task<BoardCard?> FindCardAsync(string contentNodeId) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT project_id, item_id, status, archived FROM board_cards WHERE content_node_id = @content";
        command.Set("@content", contentNodeId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new BoardCard(contentNodeId, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFlag(3))
            : null;
    });

    /// <summary>The cards of the requests one installation's deliveries put on a board, as the bot last left or saw them.</summary>
    public Task<IReadOnlyList<BoardCard>> ListCardsAsync(long installationId) => database.UseAsync<IReadOnlyList<BoardCard>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT content_node_id, project_id, item_id, status, archived FROM board_cards WHERE installation_id = @installation";
        command.Set("@installation", installationId);
        return command.ReadAll(reader => new BoardCard(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFlag(4)));
    });

    /// <summary>A card's columns over time, oldest first.</summary>
    public Task<IReadOnlyList<(string Column, DateTimeOffset At, string MovedBy)>> ReadStatusHistoryAsync(string contentNodeId) =>
        database.UseAsync<IReadOnlyList<(string, DateTimeOffset, string)>>(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT status, at, moved_by FROM board_status_history WHERE content_node_id = @content ORDER BY at, id";
            command.Set("@content", contentNodeId);
            return command.ReadAll(reader => (reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2)));
        });

    /// <summary>Every card's column changes, oldest first, for the monthly review's time in each column.</summary>
    public Task<IReadOnlyList<ColumnChange>> ReadAllStatusHistoryAsync() => database.UseAsync<IReadOnlyList<ColumnChange>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT content_node_id, status, at FROM board_status_history ORDER BY content_node_id, at, id";
        return command.ReadAll(reader => new ColumnChange(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
    });
}

/// <summary>A request's card on the Work Schedule board, as the bot last left or saw it.</summary>
public sealed record BoardCard(string ContentNodeId, string ProjectId, string ItemId, string? Status, bool IsArchived, bool Removed = false)
{
    public const string NoStatus = "No Status";
    public const string Archived = "Archived";
    public const string RemovedColumn = "Removed";

    /// <summary>The column as the history names it.</summary>
    public string Column => Removed ? RemovedColumn : IsArchived ? Archived : Status ?? NoStatus;
}

/// <summary>A card entered <paramref name="Column"/> at <paramref name="At"/>.</summary>
public sealed record ColumnChange(string ContentNodeId, string Column, DateTimeOffset At);

using MarketingBot.Storage;

namespace MarketingBot.Commands;

/// <summary>Each person's latest word (<c>/approve</c>, <c>/unapprove</c>) on each request, with the comment that said it.</summary>
public sealed class ApprovalRecords(Database database)
{
    /// <summary>The unique key an approval is upserted on: one word per person and request, whatever the login's case.</summary>
    private string ApprovalKey => database.Dialect == SqlDialect.Postgres ? "issue, lower(login)" : "issue, login";

    /// <summary>Keeps a person's word on a request unless a later comment of theirs is already recorded: the latest word wins.</summary>
    public Task RecordApprovalAsync(string issue, Approval approval) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            INSERT INTO approvals (issue, login, roles, approves, note, comment_id, at) VALUES (@issue, @login, @roles, @approves, @note, @comment, @at)
            ON CONFLICT ({ApprovalKey}) DO UPDATE SET roles = @roles, approves = @approves, note = @note, comment_id = @comment, at = @at
                WHERE excluded.comment_id >= approvals.comment_id
            """;
        command.Set("@issue", issue);
        command.Set("@login", approval.Login);
        command.Set("@roles", string.Join(',', approval.Roles));
        command.Set("@approves", approval.Approves);
        command.Set("@note", approval.Note);
        command.Set("@comment", approval.CommentId);
        command.Set("@at", approval.At.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    });

    public Task<IReadOnlyList<Approval>> ReadApprovalsAsync(string issue) => database.UseAsync<IReadOnlyList<Approval>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT login, roles, approves, note, comment_id, at FROM approvals WHERE issue = @issue ORDER BY at, login";
        command.Set("@issue", issue);
        return command.ReadAll(reader => new Approval(reader.GetString(0), reader.GetString(1).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetFlag(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
    });
}

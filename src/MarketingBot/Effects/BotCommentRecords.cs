using System.Security.Cryptography;
using System.Text;
using MarketingBot.Storage;

namespace MarketingBot.Effects;

/// <summary>
/// The bot's one comment per issue and marker, as it last wrote it: its id and a hash of its text. An edit that
/// leaves the comment's text as it was then costs no request at all, and one that changes it is written straight
/// to the comment, instead of listing the issue's comments every time (100 edits of a request cost 100 reads).
/// Kept in the database, so every replica knows what any of them wrote.
/// </summary>
public sealed class BotCommentRecords(Database database)
{
    public Task<KnownComment?> FindAsync(IssueRef issue, string marker) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT comment_id, body_hash FROM bot_comments WHERE issue = @issue AND marker = @marker";
        command.Set("@issue", issue.ToString());
        command.Set("@marker", marker);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new KnownComment(reader.GetInt64(0), reader.GetString(1)) : null;
    });

    public Task SaveAsync(IssueRef issue, string marker, long commentId, string body) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = """
            INSERT INTO bot_comments (issue, marker, comment_id, body_hash) VALUES (@issue, @marker, @id, @hash)
            ON CONFLICT (issue, marker) DO UPDATE SET comment_id = @id, body_hash = @hash
            """;
        command.Set("@issue", issue.ToString());
        command.Set("@marker", marker);
        command.Set("@id", commentId);
        command.Set("@hash", Hash(body));
        command.ExecuteNonQuery();
    });

    public Task ForgetAsync(IssueRef issue, string marker) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "DELETE FROM bot_comments WHERE issue = @issue AND marker = @marker";
        command.Set("@issue", issue.ToString());
        command.Set("@marker", marker);
        command.ExecuteNonQuery();
    });

    public static string Hash(string body) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
}

/// <summary>The bot's comment as it last wrote it.</summary>
public sealed record KnownComment(long CommentId, string BodyHash);

using System.Text;

namespace MarketingBot.Requests;

/// <summary>The bot's one comment on a request: what is missing and how to fix it, or a clear ✅.</summary>
public static class RequestComment
{
    /// <summary>Hidden marker; the comment is found again by it and by the App's authorship.</summary>
    public const string Marker = "<!-- marketingbot:request-check -->";

    public static string Render(RequestCheck check, string requester)
    {
        var text = new StringBuilder();
        text.Append(Marker).Append('\n');
        var kind = check.Type.Name.ToLowerInvariant();
        if (check.IsComplete)
        {
            text.Append($"### ✅ This {kind} is complete\n\n");
            text.Append("Everything marketing needs is here. The Product Marketing Manager will confirm the timeline and deliverables.\n");
        }
        else
        {
            var errors = check.Errors.ToList();
            text.Append($"### ⚠️ This {kind} needs {(errors.Count == 1 ? "one more thing" : $"{errors.Count} more things")}\n\n");
            // Login characters are letters, digits and hyphens, so this mention cannot carry markup.
            text.Append($"@{requester}, please edit the issue description to fix {(errors.Count == 1 ? "this" : "these")} so marketing can pick it up:\n\n");
            foreach (var error in errors) text.Append($"- {error.Message}\n");
        }
        var warnings = check.Warnings.ToList();
        if (warnings.Count > 0)
        {
            text.Append("\n**Suggestions**\n\n");
            foreach (var warning in warnings) text.Append($"- {warning.Message}\n");
        }
        text.Append("\n<sub>MarketingBot checks the request again each time the issue is edited.</sub>\n");
        return text.ToString();
    }
}
